package dev.feedbackagg.sim;

import dev.feedbackagg.core.ItemPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a simulation needs; with the seed it determines every event, bit for bit.
 *
 * <p>The simulated clock: item k (0-based) opens at {@code startTimeMs + k * itemIntervalMs}; each
 * of its labels comes at a uniform offset in [0, labelSpreadMs) (a Sybil copy 1 ms after its master
 * and after the other copies before it); the item closes with its last label; when the item is gold
 * (probability {@code goldRate}) its outcome is revealed {@code outcomeDelayMs} after the close.
 *
 * <p>Each item gets a number of labels uniform in [minLabels, maxLabels], drawn without replacement
 * from the non-Sybil labelers (all of them when there are no more than that: full participation).
 * When a Sybil master is drawn, up to {@code sybilsPerItem} of the item's other labels are given to
 * randomly chosen ids of its swarm instead, so the label count stays in range.
 *
 * @param name scenario name (paper, crowd)
 * @param cohort the cohort of every event (the name unless overridden)
 */
public record Scenario(
    String name,
    String cohort,
    long seed,
    int items,
    List<LabelerSpec> labelers,
    int minLabels,
    int maxLabels,
    int sybilsPerItem,
    double goldRate,
    OutcomeModel outcomeModel,
    long startTimeMs,
    long itemIntervalMs,
    long labelSpreadMs,
    long outcomeDelayMs) {

  public Scenario {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(cohort, "cohort");
    Objects.requireNonNull(outcomeModel, "outcome model");
    labelers = List.copyOf(labelers);
    check(!cohort.isEmpty(), "cohort: empty");
    check(items >= 1, "items: " + items + " must be >= 1");
    check(minLabels >= 1 && maxLabels >= minLabels,
        "labels per item: [" + minLabels + ", " + maxLabels + "] is not a range >= 1");
    check(sybilsPerItem >= 0, "sybils per item: " + sybilsPerItem + " must be >= 0");
    check(goldRate >= 0.0 && goldRate <= 1.0, "gold rate: " + goldRate + " must be in [0,1]");
    check(startTimeMs >= 0, "start time: " + startTimeMs + " must be >= 0");
    check(itemIntervalMs >= 1, "item interval: " + itemIntervalMs + " ms must be >= 1");
    check(labelSpreadMs >= 0, "label spread: " + labelSpreadMs + " ms must be >= 0");
    check(outcomeDelayMs >= 1, "outcome delay: " + outcomeDelayMs + " ms must be >= 1");
    Map<String, LabelerSpec> byId = new LinkedHashMap<>();
    for (LabelerSpec l : labelers) {
      check(byId.put(l.id(), l) == null, "labeler " + l.id() + ": duplicate id");
    }
    int principals = 0;
    for (LabelerSpec l : labelers) {
      if (l.isSybil()) {
        LabelerSpec m = byId.get(l.copies());
        check(m != null && !m.isSybil(), "sybil " + l.id() + ": master " + l.copies() + " is not a labeler");
      } else {
        principals++;
      }
    }
    check(principals >= 1, "a scenario needs at least one labeler");
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** The labelers that are not Sybil copies, in scenario order. */
  public List<LabelerSpec> principals() {
    List<LabelerSpec> out = new ArrayList<>();
    for (LabelerSpec l : labelers) {
      if (!l.isSybil()) {
        out.add(l);
      }
    }
    return out;
  }

  public LabelerSpec labeler(String id) {
    for (LabelerSpec l : labelers) {
      if (l.id().equals(id)) {
        return l;
      }
    }
    throw new IllegalArgumentException("scenario " + name + " has no labeler " + id);
  }

  /** True when every labeler labels every item. */
  public boolean fullParticipation() {
    return principals().size() == labelers.size() && minLabels >= labelers.size();
  }

  /** The most labels an item can have. */
  public int maxLabelsPerItem() {
    return Math.min(maxLabels, principals().size());
  }

  /** An item policy that closes every generated item as COMPLETE (reports also carry the count). */
  public ItemPolicy itemPolicy(long outcomeTimeoutMs) {
    return new ItemPolicy(maxLabelsPerItem(), labelSpreadMs + sybilsPerItem + 60_000L, outcomeTimeoutMs);
  }

  public Scenario withCohort(String c) {
    return new Scenario(name, c, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withSeed(long s) {
    return new Scenario(name, cohort, s, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withItems(int n) {
    return new Scenario(name, cohort, seed, n, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withGoldRate(double r) {
    return new Scenario(name, cohort, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, r,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withOutcomeModel(OutcomeModel m) {
    return new Scenario(name, cohort, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        m, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withStartTimeMs(long t) {
    return new Scenario(name, cohort, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, t, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withItemIntervalMs(long ms) {
    return new Scenario(name, cohort, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, ms, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withLabelSpreadMs(long ms) {
    return new Scenario(name, cohort, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, ms, outcomeDelayMs);
  }

  public Scenario withOutcomeDelayMs(long ms) {
    return new Scenario(name, cohort, seed, items, labelers, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, ms);
  }

  public Scenario withLabelsPerItem(int min, int max) {
    return new Scenario(name, cohort, seed, items, labelers, min, max, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  public Scenario withLabelers(List<LabelerSpec> l) {
    return new Scenario(name, cohort, seed, items, l, minLabels, maxLabels, sybilsPerItem, goldRate,
        outcomeModel, startTimeMs, itemIntervalMs, labelSpreadMs, outcomeDelayMs);
  }

  /** Every parameter, human-readable; labelers of one role and prior are listed as one line. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "scenario %s (cohort %s, seed %d)%n", name, cohort, seed));
    sb.append(String.format(Locale.ROOT,
        "  items %d, labels per item %d-%d%s, gold rate %s, outcome model %s%n", items, minLabels,
        maxLabels, fullParticipation() ? " (full participation)" : "", goldRate, outcomeModel.cliName()));
    sb.append(String.format(Locale.ROOT,
        "  clock: start %s, an item every %d ms, labels within %d ms, outcome %d ms after the close%n",
        Instant.ofEpochMilli(startTimeMs), itemIntervalMs, labelSpreadMs, outcomeDelayMs));
    sb.append(String.format(Locale.ROOT, "  labelers %d (%d Sybil copies, up to %d per item)%n",
        labelers.size(), labelers.size() - principals().size(), sybilsPerItem));
    // Group consecutive labelers with the same description apart from the id.
    List<String> lines = new ArrayList<>();
    int i = 0;
    while (i < labelers.size()) {
      LabelerSpec first = labelers.get(i);
      String rest = first.describe().substring(first.id().length());
      int j = i + 1;
      while (j < labelers.size()
          && labelers.get(j).describe().substring(labelers.get(j).id().length()).equals(rest)) {
        j++;
      }
      lines.add(j - i == 1 ? first.id() + rest
          : (j - i) + " x " + first.id() + ".." + labelers.get(j - 1).id() + rest);
      i = j;
    }
    for (String l : lines) {
      sb.append("    ").append(l).append(System.lineSeparator());
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
