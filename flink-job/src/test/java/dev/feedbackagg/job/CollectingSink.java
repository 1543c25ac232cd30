package dev.feedbackagg.job;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/** A test sink that appends to a list in this JVM (MiniCluster runs in the test's JVM). */
final class CollectingSink<T> implements Sink<T> {
  private static final long serialVersionUID = 1L;
  private static final Map<String, List<Object>> LISTS = new ConcurrentHashMap<>();

  private final String name;

  CollectingSink(String name) {
    this.name = name;
    LISTS.put(name, Collections.synchronizedList(new ArrayList<>()));
  }

  @SuppressWarnings("unchecked")
  List<T> values() {
    synchronized (LISTS.get(name)) {
      return new ArrayList<>((List<T>) (List<?>) LISTS.get(name));
    }
  }

  void discard() {
    LISTS.remove(name);
  }

  @Override
  public SinkWriter<T> createWriter(WriterInitContext context) {
    List<Object> list = LISTS.get(name);
    return new SinkWriter<>() {
      @Override
      public void write(T element, Context ctx) {
        list.add(element);
      }

      @Override
      public void flush(boolean endOfInput) {}

      @Override
      public void close() {}
    };
  }
}
