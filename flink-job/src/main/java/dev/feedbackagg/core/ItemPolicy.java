package dev.feedbackagg.core;

import java.io.Serializable;

/**
 * How items are assembled from reports (ARCHITECTURE.md, ItemWindow).
 *
 * @param defaultExpectedLabels labels that close an item when its reports do not say
 * @param itemTimeoutMs an item closes this long after its first report, whatever it has
 * @param graceMs how long a closed item's marker is kept (late reports are told apart, outcomes
 *     forwarded); set it to the outcome timeout so that outcomes reach pending items
 */
public record ItemPolicy(int defaultExpectedLabels, long itemTimeoutMs, long graceMs)
    implements Serializable {
  public ItemPolicy {
    Checks.atLeast("expected labels", defaultExpectedLabels, 1);
    Checks.atLeast("item timeout ms", itemTimeoutMs, 1);
    Checks.atLeast("grace ms", graceMs, 1);
  }
}
