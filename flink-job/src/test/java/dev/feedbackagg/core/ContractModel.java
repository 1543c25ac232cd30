package dev.feedbackagg.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An independent, deliberately plain re-statement of MECHANISM.md for one cohort, used by tests
 * as the oracle for the reference: aggregation at close, the specialists update with the
 * log-weights stored at close, expiry of pending items, and the regret accounting. It shares no
 * arithmetic with the code under test (only the {@link ItemEvent} and {@link Loss} definitions).
 *
 * <p>Time: {@link #runBefore(long)} applies every event and every expiry with time strictly
 * before t. At one time, expiries come first, then the events in the contract's order (outcomes
 * before closes, then ascending prompt id).
 */
final class ContractModel {
  /** One labeler's long-lived state. */
  static final class Labeler {
    double d;
    long n;
    double loss;
    double regret;
    boolean changed;
  }

  private record Pending(
      String promptId,
      long closeTime,
      String[] ids,
      double[] reports,
      double[] logWeights,
      double p,
      double mean,
      double median,
      double majority) {}

  private static final Comparator<ItemEvent> ORDER =
      Comparator.comparingLong((ItemEvent e) -> e.time)
          .thenComparing(e -> e.kind == ItemEvent.Kind.OUTCOME ? 0 : 1)
          .thenComparing(e -> e.promptId);

  final double eta;
  final Loss loss;
  final double d0;
  final long outcomeTimeoutMs;
  final long minRounds;

  final TreeMap<String, Labeler> labelers = new TreeMap<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private final List<ItemEvent> events;
  private int next;

  long rounds;
  long itemsClosed;
  long itemsExpired;
  double lossMechanism;
  double lossMean;
  double lossMedian;
  double lossMajority;
  double sumEffective;
  TreeSet<String> fullParticipants;

  /** The preference of each closed item, by prompt id. */
  final Map<String, Double> preference = new HashMap<>();

  /** Outcomes that found no pending item. */
  final List<ItemEvent> unmatched = new ArrayList<>();

  /** Times at which the state changed (close, matched outcome, expiry). */
  final TreeSet<Long> changeTimes = new TreeSet<>();

  ContractModel(MechanismConfig config, List<ItemEvent> cohortEvents) {
    this.eta = config.eta();
    this.loss = config.loss();
    this.d0 = config.newcomerOffset();
    this.outcomeTimeoutMs = config.outcomeTimeoutMs();
    this.minRounds = config.minRounds();
    this.events = new ArrayList<>(cohortEvents);
    this.events.sort(ORDER);
  }

  private long expiry(Pending p) {
    // close + timeout, saturating at Long.MAX_VALUE.
    return outcomeTimeoutMs > Long.MAX_VALUE - p.closeTime
        ? Long.MAX_VALUE
        : p.closeTime + outcomeTimeoutMs;
  }

  /** Applies everything with time < t. */
  void runBefore(long t) {
    while (true) {
      long nextEvent = next < events.size() ? events.get(next).time : Long.MAX_VALUE;
      long nextExpiry = Long.MAX_VALUE;
      for (Pending p : pending.values()) {
        nextExpiry = Math.min(nextExpiry, expiry(p));
      }
      long now = Math.min(nextEvent, nextExpiry);
      if (now >= t || now == Long.MAX_VALUE) {
        return;
      }
      List<String> expiring = new ArrayList<>();
      for (Pending p : pending.values()) {
        if (expiry(p) == now) {
          expiring.add(p.promptId);
        }
      }
      for (String id : expiring) {
        pending.remove(id);
        itemsExpired++;
        changeTimes.add(now);
      }
      while (next < events.size() && events.get(next).time == now) {
        apply(events.get(next++));
      }
    }
  }

  private void apply(ItemEvent e) {
    if (e.kind == ItemEvent.Kind.OUTCOME) {
      Pending p = pending.remove(e.promptId);
      if (p == null) {
        unmatched.add(e);
      } else {
        update(p, e.outcome);
        changeTimes.add(e.time);
      }
      return;
    }
    changeTimes.add(e.time);
    int n = e.labelerIds.length;
    double[] a = new double[n];
    for (int i = 0; i < n; i++) {
      Labeler s = labelers.get(e.labelerIds[i]);
      if (s == null) {
        s = new Labeler();
        s.d = d0;
        s.changed = true;
        labelers.put(e.labelerIds[i], s);
      }
      a[i] = -eta * s.d;
    }
    double max = Arrays.stream(a).max().getAsDouble();
    double sw = 0;
    double sw2 = 0;
    double swr = 0;
    for (int i = 0; i < n; i++) {
      double w = Math.exp(a[i] - max);
      sw += w;
      sw2 += w * w;
      swr += w * e.reports[i];
    }
    double p = swr / sw;
    double mean = Arrays.stream(e.reports).sum() / n;
    double[] sorted = e.reports.clone();
    Arrays.sort(sorted);
    double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    double votes = 0;
    for (double r : e.reports) {
      votes += r > 0.5 ? 1 : r == 0.5 ? 0.5 : 0;
    }
    itemsClosed++;
    sumEffective += sw * sw / sw2;
    preference.put(e.promptId, p);
    Pending item =
        new Pending(e.promptId, e.time, e.labelerIds, e.reports, a, p, mean, median, votes / n);
    if (e.hasOutcome) {
      update(item, e.outcome);
    } else {
      pending.put(e.promptId, item);
    }
  }

  private void update(Pending item, double y) {
    int n = item.ids.length;
    double[] l = new double[n];
    double num = 0;
    double den = 0;
    double max = Arrays.stream(item.logWeights).max().getAsDouble();
    for (int i = 0; i < n; i++) {
      l[i] = loss.of(item.reports[i], y);
      num += Math.exp(item.logWeights[i] - max) * Math.exp(-eta * l[i]);
      den += Math.exp(item.logWeights[i] - max);
    }
    double z = Math.log(num) - Math.log(den);
    double mechanismLoss = loss.of(item.p, y);
    for (int i = 0; i < n; i++) {
      Labeler s = labelers.get(item.ids[i]);
      s.d += l[i] + z / eta;
      s.n++;
      s.loss += l[i];
      s.regret += mechanismLoss - l[i];
      s.changed = true;
    }
    if (fullParticipants == null) {
      fullParticipants = new TreeSet<>(Arrays.asList(item.ids));
    } else {
      fullParticipants.retainAll(Arrays.asList(item.ids));
    }
    rounds++;
    lossMechanism += mechanismLoss;
    lossMean += loss.of(item.mean, y);
    lossMedian += loss.of(item.median, y);
    lossMajority += loss.of(item.majority, y);
  }

  /** Best labeler in hindsight among those on every item with outcome (ties: smaller id). */
  String bestLabeler() {
    String best = null;
    if (fullParticipants != null) {
      for (String id : fullParticipants) {
        if (best == null || labelers.get(id).loss < labelers.get(best).loss) {
          best = id;
        }
      }
    }
    return best;
  }

  /** argmax R(i) over labelers with n(i) >= max(min_rounds, 1) (ties: smaller id), or null. */
  String maxSpecialistLabeler() {
    String best = null;
    for (Map.Entry<String, Labeler> e : labelers.entrySet()) {
      Labeler s = e.getValue();
      if (s.n >= minRounds && s.n > 0 && (best == null || s.regret > labelers.get(best).regret)) {
        best = e.getKey();
      }
    }
    return best;
  }

  /** The labelers whose state changed since the last call, ascending; clears the marks. */
  List<String> takeChanged() {
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Labeler> e : labelers.entrySet()) {
      if (e.getValue().changed) {
        out.add(e.getKey());
        e.getValue().changed = false;
      }
    }
    return out;
  }
}
