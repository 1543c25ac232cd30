package dev.feedbackagg.sim;

import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.avro.LabelerReport;
import dev.feedbackagg.avro.OutcomeSource;
import dev.feedbackagg.avro.PreferenceOutcome;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.OutcomeEvent;
import dev.feedbackagg.core.ReportEvent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One realisation of a scenario for its seed: the labelers' bias and accuracy, and for every item
 * its true preference q, its outcome y, whether it is gold, who labels it and when, and each
 * labeler's private preference p(i,k). None of it depends on the strategies, which are applied
 * afterwards ({@link #reports}): runs that differ only in strategies share all their randomness.
 *
 * <p>Every draw is keyed by (seed, kind, labeler and/or item), see {@link Rng}, so item k is the
 * same whatever the number of items (a shorter run is a prefix of a longer one).
 */
public final class World {
  private final Scenario scenario;
  private final LabelerSpec[] specs;
  private final String[] ids;
  private final Map<String, Integer> indexOf = new HashMap<>();
  private final double[] bias;
  private final double[] noiseSd;
  /** For a Sybil, its master's index; -1 otherwise. */
  private final int[] masterOf;
  /** Position of each labeler in ascending id order. */
  private final int[] idRank;

  private final String[] promptIds;
  private final double[] trueQ;
  private final double[] outcome;
  private final boolean[] gold;
  private final int[][] slots;
  private final long[][] times;
  private final double[][] pref;
  private final long[] closeTime;
  /** Slot positions of each item in ascending labeler id order. */
  private final int[][] idOrder;

  private World(Scenario s) {
    this.scenario = s;
    long seed = s.seed();
    int n = s.labelers().size();
    specs = s.labelers().toArray(new LabelerSpec[0]);
    ids = new String[n];
    bias = new double[n];
    noiseSd = new double[n];
    masterOf = new int[n];
    for (int i = 0; i < n; i++) {
      ids[i] = specs[i].id();
      indexOf.put(ids[i], i);
    }
    List<Integer> principals = new ArrayList<>();
    Map<Integer, List<Integer>> swarm = new HashMap<>();
    for (int i = 0; i < n; i++) {
      LabelerSpec l = specs[i];
      masterOf[i] = -1;
      if (l.isSybil()) {
        masterOf[i] = indexOf.get(l.copies());
        swarm.computeIfAbsent(masterOf[i], m -> new ArrayList<>()).add(i);
        bias[i] = Double.NaN;
        noiseSd[i] = Double.NaN;
        continue;
      }
      principals.add(i);
      double z = l.group() == null
          ? Rng.gaussian(seed, Rng.BIAS, i, 0)
          : Rng.gaussian(seed, Rng.GROUP_BIAS, l.group().hashCode(), 0);
      bias[i] = l.biasMean() + l.biasSd() * z;
      noiseSd[i] = l.noiseMin() + (l.noiseMax() - l.noiseMin()) * Rng.uniform(seed, Rng.NOISE_SD, i, 0);
    }
    Integer[] byId = new Integer[n];
    for (int i = 0; i < n; i++) {
      byId[i] = i;
    }
    Arrays.sort(byId, (a, b) -> ids[a].compareTo(ids[b]));
    idRank = new int[n];
    for (int r = 0; r < n; r++) {
      idRank[byId[r]] = r;
    }

    int items = s.items();
    promptIds = new String[items];
    trueQ = new double[items];
    outcome = new double[items];
    gold = new boolean[items];
    slots = new int[items][];
    times = new long[items][];
    pref = new double[items][];
    closeTime = new long[items];
    idOrder = new int[items][];
    int width = Math.max(6, Integer.toString(items).length());
    String format = "p%0" + width + "d";
    int[] principalIdx = principals.stream().mapToInt(Integer::intValue).toArray();
    int p = principalIdx.length;
    for (int k = 0; k < items; k++) {
      promptIds[k] = String.format(Locale.ROOT, format, k + 1);
      double u = Rng.uniform(seed, Rng.TRUE_PREFERENCE, k, 0);
      double sin = StrictMath.sin(0.5 * StrictMath.PI * u);
      trueQ[k] = sin * sin; // Beta(1/2, 1/2)
      gold[k] = Rng.uniform(seed, Rng.GOLD, k, 0) < s.goldRate();
      switch (s.outcomeModel()) {
        case SOFT:
          outcome[k] = trueQ[k];
          break;
        case BERNOULLI:
        case BINARY:
        default:
          outcome[k] = Rng.uniform(seed, Rng.OUTCOME, k, 0) < trueQ[k] ? 1.0 : 0.0;
          break;
      }
      // Who labels the item.
      int count = s.minLabels()
          + (int) (Rng.uniform(seed, Rng.LABEL_COUNT, k, 0) * (s.maxLabels() - s.minLabels() + 1));
      int[] chosen;
      if (count >= p) {
        chosen = principalIdx.clone();
      } else {
        SplittableRandom r = Rng.stream(seed, Rng.ASSIGNMENT, k);
        chosen = new int[count];
        int c = 0;
        while (c < count) {
          int cand = principalIdx[r.nextInt(p)];
          boolean dup = false;
          for (int j = 0; j < c; j++) {
            dup |= chosen[j] == cand;
          }
          if (!dup) {
            chosen[c++] = cand;
          }
        }
        if (s.sybilsPerItem() > 0) {
          addSybils(chosen, swarm, r, s.sybilsPerItem());
        }
      }
      slots[k] = chosen;
      // When, and what each labeler privately prefers.
      long open = s.startTimeMs() + (long) k * s.itemIntervalMs();
      long[] t = new long[chosen.length];
      double[] pk = new double[chosen.length];
      double base = s.outcomeModel() == OutcomeModel.BINARY ? outcome[k] : trueQ[k];
      long close = open;
      for (int j = 0; j < chosen.length; j++) {
        int i = chosen[j];
        if (masterOf[i] < 0) {
          t[j] = open + (long) (Rng.uniform(seed, Rng.LABEL_TIME, i, k) * s.labelSpreadMs());
          double e = noiseSd[i] * Rng.gaussian(seed, Rng.LABEL_NOISE, i, k);
          pk[j] = Strategy.clip(base + bias[i] + e);
        } else {
          pk[j] = Double.NaN;
        }
      }
      for (int j = 0; j < chosen.length; j++) { // a copy comes after its master and earlier copies
        int m = masterOf[chosen[j]];
        if (m >= 0) {
          int ordinal = 0;
          for (int jj = 0; jj < j; jj++) {
            ordinal += masterOf[chosen[jj]] == m ? 1 : 0;
          }
          t[j] = t[slotOf(chosen, m)] + 1 + ordinal;
        }
        close = Math.max(close, t[j]);
      }
      times[k] = t;
      pref[k] = pk;
      closeTime[k] = close;
      Integer[] order = new Integer[chosen.length];
      for (int j = 0; j < order.length; j++) {
        order[j] = j;
      }
      Arrays.sort(order, (a, b) -> Integer.compare(idRank[chosen[a]], idRank[chosen[b]]));
      idOrder[k] = Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }
  }

  /** Gives up to perItem of the other slots to copies of each Sybil master on the item. */
  private void addSybils(int[] chosen, Map<Integer, List<Integer>> swarm, SplittableRandom r, int perItem) {
    for (int j = 0; j < chosen.length; j++) {
      List<Integer> copies = swarm.get(chosen[j]);
      if (copies == null || copies.isEmpty()) {
        continue;
      }
      List<Integer> free = new ArrayList<>();
      for (int jj = 0; jj < chosen.length; jj++) {
        int i = chosen[jj];
        if (masterOf[i] < 0 && !swarm.containsKey(i)) {
          free.add(jj);
        }
      }
      List<Integer> pool = new ArrayList<>(copies);
      int replace = Math.min(perItem, Math.min(free.size(), pool.size()));
      for (int x = 0; x < replace; x++) {
        int slot = free.remove(r.nextInt(free.size()));
        chosen[slot] = pool.remove(r.nextInt(pool.size()));
      }
    }
  }

  private static int slotOf(int[] chosen, int labeler) {
    for (int j = 0; j < chosen.length; j++) {
      if (chosen[j] == labeler) {
        return j;
      }
    }
    throw new IllegalStateException("labeler " + labeler + " is not on the item");
  }

  /** Realises the scenario for its seed. */
  public static World generate(Scenario s) {
    return new World(s);
  }

  public Scenario scenario() {
    return scenario;
  }

  public int items() {
    return slots.length;
  }

  public int labelers() {
    return ids.length;
  }

  public String id(int labeler) {
    return ids[labeler];
  }

  public LabelerSpec spec(int labeler) {
    return specs[labeler];
  }

  /** The index of a labeler id, or -1. */
  public int indexOf(String id) {
    Integer i = indexOf.get(id);
    return i == null ? -1 : i;
  }

  public double bias(int labeler) {
    return bias[labeler];
  }

  public double noiseSd(int labeler) {
    return noiseSd[labeler];
  }

  /** The Sybil's master, or -1. */
  public int masterOf(int labeler) {
    return masterOf[labeler];
  }

  public String promptId(int item) {
    return promptIds[item];
  }

  /** q(k), the item's true preference for A. */
  public double trueQ(int item) {
    return trueQ[item];
  }

  /** y(k), the outcome revealed when the item is gold. */
  public double outcome(int item) {
    return outcome[item];
  }

  public boolean gold(int item) {
    return gold[item];
  }

  /** Labeler indices of the item's labels (a copy). */
  public int[] slots(int item) {
    return slots[item].clone();
  }

  public int labels(int item) {
    return slots[item].length;
  }

  public int slot(int item, int j) {
    return slots[item][j];
  }

  /** p(i,k) of the j-th label of the item; NaN for a Sybil copy. */
  public double privatePreference(int item, int j) {
    return pref[item][j];
  }

  public long labelTime(int item, int j) {
    return times[item][j];
  }

  public long closeTime(int item) {
    return closeTime[item];
  }

  public long revealTime(int item) {
    return closeTime[item] + scenario.outcomeDelayMs();
  }

  /** The scenario's strategies, per labeler index. */
  public Strategy[] defaultStrategies() {
    Strategy[] s = new Strategy[specs.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = specs[i].strategy();
    }
    return s;
  }

  /** Reports per item and slot under the given strategies (per labeler index; Sybils copy). */
  public double[][] reports(Strategy[] strategies) {
    long seed = scenario.seed();
    double[][] r = new double[slots.length][];
    for (int k = 0; k < slots.length; k++) {
      int[] c = slots[k];
      double[] rk = new double[c.length];
      for (int j = 0; j < c.length; j++) {
        int i = c[j];
        if (masterOf[i] < 0) {
          double u = Rng.uniform(seed, Rng.RANDOM_REPORT, i, k);
          rk[j] = Strategy.clip(strategies[i].report(pref[k][j], bias[i], u));
        }
      }
      for (int j = 0; j < c.length; j++) {
        if (masterOf[c[j]] >= 0) {
          rk[j] = rk[slotOf(c, masterOf[c[j]])];
        }
      }
      r[k] = rk;
    }
    return r;
  }

  /** The raw events under the scenario's own strategies. */
  public EventLog events() {
    return events(defaultStrategies());
  }

  /**
   * The raw events (Avro records wrapped as core events; topic null, partition and offset 0), each
   * list in event-time order; reports of one time by item then label, outcomes by item.
   */
  public EventLog events(Strategy[] strategies) {
    double[][] r = reports(strategies);
    String cohort = scenario.cohort();
    int total = 0;
    for (int[] c : slots) {
      total += c.length;
    }
    long[] keyTime = new long[total];
    int[] keyItem = new int[total];
    int[] keySlot = new int[total];
    int x = 0;
    for (int k = 0; k < slots.length; k++) {
      for (int j = 0; j < slots[k].length; j++) {
        keyTime[x] = times[k][j];
        keyItem[x] = k;
        keySlot[x] = j;
        x++;
      }
    }
    Integer[] order = new Integer[total];
    for (int i = 0; i < total; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = Long.compare(keyTime[a], keyTime[b]);
      if (c != 0) {
        return c;
      }
      c = Integer.compare(keyItem[a], keyItem[b]);
      return c != 0 ? c : Integer.compare(keySlot[a], keySlot[b]);
    });
    List<ReportEvent> reports = new ArrayList<>(total);
    for (Integer o : order) {
      int k = keyItem[o];
      int j = keySlot[o];
      String labeler = ids[slots[k][j]];
      // The all-arguments constructor: the builder's per-field validation is slow.
      LabelerReport rec = new LabelerReport(promptIds[k] + "/" + labeler, cohort, promptIds[k],
          promptIds[k] + "-A", promptIds[k] + "-B", labeler, r[k][j], slots[k].length, times[k][j]);
      reports.add(new ReportEvent(rec, null, 0, 0L));
    }
    List<Integer> goldItems = new ArrayList<>();
    for (int k = 0; k < slots.length; k++) {
      if (gold[k]) {
        goldItems.add(k);
      }
    }
    goldItems.sort((a, b) -> {
      int c = Long.compare(revealTime(a), revealTime(b));
      return c != 0 ? c : Integer.compare(a, b);
    });
    List<OutcomeEvent> outcomes = new ArrayList<>(goldItems.size());
    for (int k : goldItems) {
      PreferenceOutcome rec = new PreferenceOutcome(cohort, promptIds[k], outcome[k], OutcomeSource.GOLD,
          revealTime(k));
      outcomes.add(new OutcomeEvent(rec, null, 0, 0L));
    }
    return new EventLog(reports, outcomes);
  }

  /**
   * The item closes and outcome reveals that assembling {@link #events} yields (every item closes
   * COMPLETE at its last label; outcomes come after the close), built directly: the fast path of
   * the audit. Tests check it equals what core.PipelineReference assembles from the raw events.
   */
  public List<ItemEvent> itemEvents(double[][] reports) {
    String cohort = scenario.cohort();
    List<ItemEvent> out = new ArrayList<>();
    for (int k = 0; k < slots.length; k++) {
      int[] order = idOrder[k];
      String[] sortedIds = new String[order.length];
      double[] sortedReports = new double[order.length];
      for (int j = 0; j < order.length; j++) {
        sortedIds[j] = ids[slots[k][order[j]]];
        sortedReports[j] = reports[k][order[j]];
      }
      out.add(ItemEvent.close(cohort, promptIds[k], promptIds[k] + "-A", promptIds[k] + "-B",
          closeTime[k], CloseReason.COMPLETE, sortedIds, sortedReports));
      if (gold[k]) {
        out.add(ItemEvent.outcome(cohort, promptIds[k], revealTime(k), outcome[k])
            .withOutcomeOrigin(null, 0, 0L));
      }
    }
    return out;
  }

  /** Slot positions of the item in ascending labeler id order. */
  int[] idOrder(int item) {
    return idOrder[item];
  }
}
