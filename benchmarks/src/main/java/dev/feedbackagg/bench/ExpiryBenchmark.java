package dev.feedbackagg.bench;

import dev.feedbackagg.core.InMemoryCohortStore;
import dev.feedbackagg.core.PendingItem;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pending items' expiries of one cohort: ITEMS items close (put, expiry registered), then
 * their outcomes come in a random order (item removed, expiry forgotten). Scores are items per
 * second (one close and one outcome each). {@code store}: the core's {@link InMemoryCohortStore}.
 * Baseline: the sorted map of expiry time to prompt ids one writes first (the store's structure
 * before 2026-11-27), where an outcome searches its time's list.
 *
 * <p>{@code times}: {@code distinct}, every item closes at a time of its own; {@code shared}, all
 * close at one time (a batch imported with one timestamp, or closed by one watermark), where the
 * sorted map's lists make the outcomes quadratic.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+UseParallelGC"})
public class ExpiryBenchmark {
  static final int ITEMS = 20_000;
  static final long TIMEOUT = 7L * 24 * 3600 * 1000;

  @Param({"distinct", "shared"})
  String times;

  private PendingItem[] items;
  private int[] outcomeOrder;

  @Setup
  public void setUp() {
    items = new PendingItem[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      PendingItem p = new PendingItem();
      p.promptId = "prompt-" + i;
      p.closeTime = times.equals("shared") ? 1_000_000L : 1_000_000L + 7L * i;
      items[i] = p;
    }
    SplittableRandom rnd = new SplittableRandom(42);
    outcomeOrder = new int[ITEMS];
    for (int i = 0; i < ITEMS; i++) {
      outcomeOrder[i] = i;
    }
    for (int i = ITEMS - 1; i > 0; i--) {
      int j = rnd.nextInt(i + 1);
      int t = outcomeOrder[i];
      outcomeOrder[i] = outcomeOrder[j];
      outcomeOrder[j] = t;
    }
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long store() {
    InMemoryCohortStore store = new InMemoryCohortStore();
    for (PendingItem p : items) {
      store.putPending(p);
      store.addExpiry(p.expiresAt(TIMEOUT), p.promptId);
    }
    for (int i : outcomeOrder) {
      store.removePending(items[i].promptId);
    }
    return store.nextExpiry();
  }

  @Benchmark
  @OperationsPerInvocation(ITEMS)
  public long sortedMap() {
    SortedMapExpiries store = new SortedMapExpiries();
    for (PendingItem p : items) {
      store.putPending(p);
      store.addExpiry(p.expiresAt(TIMEOUT), p.promptId);
    }
    for (int i : outcomeOrder) {
      PendingItem p = store.pending.remove(items[i].promptId);
      store.removeExpiry(p.expiresAt(TIMEOUT), p.promptId);
    }
    return store.nextExpiry();
  }

  /** Pending items in a hash map, their expiries in a sorted map of time to prompt ids. */
  static final class SortedMapExpiries {
    final Map<String, PendingItem> pending = new HashMap<>();
    final TreeMap<Long, List<String>> expiries = new TreeMap<>();

    void putPending(PendingItem p) {
      pending.put(p.promptId, p);
    }

    void addExpiry(long time, String promptId) {
      expiries.computeIfAbsent(time, t -> new ArrayList<>()).add(promptId);
    }

    void removeExpiry(long time, String promptId) {
      List<String> ids = expiries.get(time);
      if (ids != null && ids.remove(promptId) && ids.isEmpty()) {
        expiries.remove(time);
      }
    }

    long nextExpiry() {
      return expiries.isEmpty() ? Long.MAX_VALUE : expiries.firstKey();
    }
  }
}
