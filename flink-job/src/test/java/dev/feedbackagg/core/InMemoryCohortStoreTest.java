package dev.feedbackagg.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The store's pending items and their expiries against plain maps, as {@link CohortStore} states them. */
class InMemoryCohortStoreTest {

  private static PendingItem item(String promptId, long closeTime) {
    PendingItem p = new PendingItem();
    p.promptId = promptId;
    p.closeTime = closeTime;
    return p;
  }

  @Test
  void eachPendingItemHasOneExpiryTakenInTimeOrder() {
    long seed = Long.getLong("test.seed", System.nanoTime());
    Random rnd = new Random(seed);
    for (int round = 0; round < 100; round++) {
      InMemoryCohortStore store = new InMemoryCohortStore();
      Map<String, Long> expiry = new HashMap<>(); // pending prompt -> its expiry, or null
      Map<String, PendingItem> items = new HashMap<>();
      long now = 0;
      int prompts = 1 + rnd.nextInt(round % 2 == 0 ? 8 : 500); // prompt ids put again, or seldom
      for (int op = 0; op < 2_000; op++) {
        int choice = rnd.nextInt(100);
        String id = "p" + rnd.nextInt(prompts);
        if (choice < 40) { // an item closes: put, then its expiry registered
          now += rnd.nextInt(3);
          PendingItem p = item(id, now);
          store.putPending(p);
          items.put(id, p);
          expiry.put(id, null);
          if (rnd.nextInt(10) > 0) {
            long time = rnd.nextInt(20) == 0 ? Long.MAX_VALUE : now + 10 + rnd.nextInt(round % 3 == 0 ? 1 : 30);
            store.addExpiry(time, id);
            expiry.put(id, time);
          }
        } else if (choice < 50 && expiry.containsKey(id)) { // an expiry registered again: it moves
          long time = now + rnd.nextInt(round % 3 == 0 ? 1 : 30);
          store.addExpiry(time, id);
          expiry.put(id, time);
        } else if (choice < 70) { // its outcome comes
          store.removePending(id);
          items.remove(id);
          expiry.remove(id);
        } else { // time passes up to the next expiry, which is taken
          long next = expiry.values().stream().filter(t -> t != null)
              .mapToLong(Long::longValue).min().orElse(Long.MAX_VALUE);
          assertThat(store.nextExpiry()).as("seed %d", seed).isEqualTo(next);
          if (next == Long.MAX_VALUE) {
            continue;
          }
          List<String> due = new ArrayList<>();
          expiry.forEach((p, t) -> {
            if (t != null && t == next) {
              due.add(p);
            }
          });
          assertThat(store.takeExpiries(next - 1)).as("seed %d: nothing due before", seed).isEmpty();
          assertThat(store.takeExpiries(next)).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(due);
          assertThat(store.takeExpiries(next)).as("seed %d: taken once", seed).isEmpty();
          for (String taken : due) {
            assertThat(store.pending(taken)).as("seed %d: still pending", seed).isSameAs(items.get(taken));
            expiry.put(taken, null);
            if (rnd.nextBoolean()) { // expired
              store.removePending(taken);
              items.remove(taken);
              expiry.remove(taken);
            }
          }
          now = Math.max(now, next);
        }
        assertThat(store.pendingItems()).as("seed %d", seed).containsExactlyInAnyOrderElementsOf(items.values());
        assertThat(store.expiriesRegistered()).as("seed %d: nothing held for items gone", seed)
            .isEqualTo(expiry.values().stream().filter(t -> t != null).count());
      }
    }
  }

  @Test
  void anItemPutAgainForgetsTheExpiryOfTheItemBefore() {
    InMemoryCohortStore store = new InMemoryCohortStore();
    store.putPending(item("b", 5));
    store.addExpiry(105, "b");
    store.putPending(item("b", 50));
    assertThat(store.nextExpiry()).isEqualTo(Long.MAX_VALUE);
    store.addExpiry(150, "b");
    store.putPending(item("a", 60));
    store.addExpiry(105, "a");
    assertThat(store.nextExpiry()).isEqualTo(105);
    assertThat(store.takeExpiries(105)).containsExactly("a");
    assertThat(store.nextExpiry()).isEqualTo(150);
    assertThat(store.takeExpiries(150)).containsExactly("b");
    assertThat(store.nextExpiry()).isEqualTo(Long.MAX_VALUE);
    assertThat(store.pendingCount()).isEqualTo(2);
  }

  @Test
  void refusesAnExpiryOfNoPendingItemAndAnExpiryTakenOutOfOrder() {
    InMemoryCohortStore store = new InMemoryCohortStore();
    assertThatThrownBy(() -> store.addExpiry(10, "a")).isInstanceOf(IllegalStateException.class);
    store.putPending(item("a", 0));
    store.addExpiry(10, "a");
    assertThatThrownBy(() -> store.takeExpiries(11)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("10 is due first");
    assertThat(store.takeExpiries(10)).containsExactly("a");
  }
}
