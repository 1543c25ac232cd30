package dev.feedbackagg.core.baseline;

import dev.feedbackagg.avro.AggregatedPreference;
import dev.feedbackagg.avro.CloseReason;
import dev.feedbackagg.core.ItemEvent;
import dev.feedbackagg.core.Loss;
import dev.feedbackagg.core.MechanismConfig;
import dev.feedbackagg.core.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The replay protocol on a crowd data set with gold answers: items in order of first appearance;
 * item i (1-based) closes at time 2i with its labels, and its gold is revealed at time 2i + 1 when
 * i % K == 0. Every item is scored against its gold: accuracy (p > 0.5 picks the gold side, p ==
 * 0.5 counts one half) and Brier (p - gold)^2, for the mechanism, mean, median, majority, and an
 * offline Dawid-Skene run on the same labels without gold.
 */
public final class CrowdReplay {
  /** Method names, in the order they are reported. */
  public static final List<String> METHODS =
      List.of("mechanism", "mean", "median", "majority", "dawid_skene");

  private CrowdReplay() {}

  /** Accuracy and mean Brier score of one method. */
  public record Score(double accuracy, double brier) {}

  /**
   * What a replay measured.
   *
   * @param duplicateLabels labels dropped because their labeler had labeled the item before
   */
  public record Result(
      int items,
      int labelers,
      int labels,
      int duplicateLabels,
      int goldEvery,
      double eta,
      Loss loss,
      Map<String, Score> scores) {}

  public static Result run(CrowdLabels data, int goldEvery, MechanismConfig config) {
    if (goldEvery < 1) {
      throw new IllegalArgumentException("gold-every: " + goldEvery + " must be >= 1");
    }
    List<ItemEvent> events = new ArrayList<>();
    int duplicates = 0;
    for (int i = 0; i < data.itemCount(); i++) {
      Map<String, Double> first = new LinkedHashMap<>();
      for (CrowdLabels.Label l : data.labelsOfItem(i)) {
        if (first.putIfAbsent(l.labelerId(), l.label()) != null) {
          duplicates++;
        }
      }
      String[] ids = first.keySet().toArray(new String[0]);
      Arrays.sort(ids);
      double[] reports = new double[ids.length];
      for (int j = 0; j < ids.length; j++) {
        reports[j] = first.get(ids[j]);
      }
      long index = i + 1L;
      String prompt = data.itemId(i);
      events.add(
          ItemEvent.close("replay", prompt, "A", "B", 2 * index, CloseReason.COMPLETE, ids, reports));
      if (index % goldEvery == 0) {
        events.add(ItemEvent.outcome("replay", prompt, 2 * index + 1, data.gold(i)));
      }
    }
    Reference.Result out = new Reference(config).run(events);
    Map<String, AggregatedPreference> byItem = new LinkedHashMap<>();
    for (AggregatedPreference a : out.aggregated) {
      byItem.put(a.getPromptId(), a);
    }
    double[] ds = DawidSkene.posteriors(data);
    double[][] forecasts = new double[METHODS.size()][data.itemCount()];
    for (int i = 0; i < data.itemCount(); i++) {
      AggregatedPreference a = byItem.get(data.itemId(i));
      forecasts[0][i] = a.getPreference();
      forecasts[1][i] = a.getMean();
      forecasts[2][i] = a.getMedian();
      forecasts[3][i] = a.getMajority();
      forecasts[4][i] = ds[i];
    }
    Map<String, Score> scores = new LinkedHashMap<>();
    for (int m = 0; m < METHODS.size(); m++) {
      scores.put(METHODS.get(m), score(forecasts[m], data));
    }
    Set<String> labelers = new HashSet<>();
    for (int k = 0; k < data.labelCount(); k++) {
      labelers.add(data.labelerIdOfLabel(k));
    }
    return new Result(
        data.itemCount(), labelers.size(), data.labelCount(), duplicates, goldEvery,
        config.eta(), config.loss(), scores);
  }

  static Score score(double[] p, CrowdLabels data) {
    double correct = 0.0;
    double brier = 0.0;
    for (int i = 0; i < p.length; i++) {
      double gold = data.gold(i);
      if (p[i] == 0.5) {
        correct += 0.5;
      } else if ((p[i] > 0.5) == (gold > 0.5)) {
        correct += 1.0;
      }
      double d = p[i] - gold;
      brier += d * d;
    }
    return new Score(correct / p.length, brier / p.length);
  }
}
