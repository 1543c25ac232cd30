package dev.feedbackagg.job.types;

import dev.feedbackagg.avro.wire.SingleObjectCodec;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * One generated Avro record type written into and read from Flink's data views in Avro binary
 * (self-delimiting, no length prefix), through the generated classes' own encode and decode
 * methods. Not thread-safe: one per serializer instance.
 */
final class AvroBinary<T extends SpecificRecord> {
  private final SpecificDatumWriter<T> writer;
  private final SpecificDatumReader<T> reader;
  private final ViewOutput out = new ViewOutput();
  private final ViewInput in = new ViewInput();
  private BinaryEncoder encoder;
  private BinaryDecoder decoder;

  AvroBinary(Class<T> type) {
    var data = SingleObjectCodec.specificData();
    var schema = data.getSchema(type);
    writer = new SpecificDatumWriter<>(schema, data);
    reader = new SpecificDatumReader<>(schema, schema, data);
  }

  void write(T value, DataOutputView target) throws IOException {
    out.target = target;
    encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
    writer.write(value, encoder);
    out.target = null;
  }

  T read(DataInputView source) throws IOException {
    in.source = source;
    decoder = DecoderFactory.get().directBinaryDecoder(in, decoder);
    T value = reader.read(null, decoder);
    in.source = null;
    return value;
  }

  /** A data view as the stream Avro's direct encoder writes to. */
  private static final class ViewOutput extends OutputStream {
    DataOutputView target;

    @Override
    public void write(int b) throws IOException {
      target.write(b);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      target.write(b, off, len);
    }
  }

  /** A data view as the stream Avro's direct decoder reads from (it never reads ahead). */
  private static final class ViewInput extends InputStream {
    DataInputView source;

    @Override
    public int read() throws IOException {
      try {
        return source.readUnsignedByte();
      } catch (EOFException e) {
        return -1;
      }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      return source.read(b, off, len);
    }
  }
}
