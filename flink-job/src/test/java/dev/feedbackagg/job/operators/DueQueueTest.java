package dev.feedbackagg.job.operators;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The queue against java.util.PriorityQueue ordered by (time, insertion order). */
class DueQueueTest {

  private record Element(long time, long seq, int id) {}

  @Test
  void pollsInTimeOrderTiesInInsertionOrder() {
    long seed = Long.getLong("test.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int round = 0; round < 200; round++) {
      DueQueue<Integer> queue = new DueQueue<>();
      PriorityQueue<Element> expected = new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
      int timeRange = 1 + rnd.nextInt(round % 3 == 0 ? 5 : 10_000); // many ties, or few
      long seq = 0;
      int id = 0;
      int ops = rnd.nextInt(3_000);
      for (int op = 0; op < ops; op++) {
        if (op % 97 == 0) { // the listing in order leaves the queue as it was
          java.util.List<Integer> ids = new java.util.ArrayList<>();
          PriorityQueue<Element> copy = new PriorityQueue<>(expected);
          while (!copy.isEmpty()) {
            ids.add(copy.poll().id);
          }
          assertThat(queue.inOrder()).as("seed %d", seed).isEqualTo(ids);
        }
        if (expected.isEmpty() || rnd.nextInt(100) < 60) {
          long time = rnd.nextInt(timeRange) - timeRange / 2;
          queue.add(time, id);
          expected.add(new Element(time, seq++, id++));
        } else {
          Element e = expected.poll();
          assertThat(queue.peekTime()).as("seed %d", seed).isEqualTo(e.time);
          assertThat(queue.poll()).as("seed %d", seed).isEqualTo(e.id);
        }
        assertThat(queue.size()).as("seed %d", seed).isEqualTo(expected.size());
      }
      while (!expected.isEmpty()) {
        Element e = expected.poll();
        assertThat(queue.peekTime()).as("seed %d", seed).isEqualTo(e.time);
        assertThat(queue.poll()).as("seed %d", seed).isEqualTo(e.id);
      }
      assertThat(queue.size()).isZero();
    }
  }
}
