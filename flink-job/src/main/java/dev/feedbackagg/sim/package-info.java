/**
 * A seeded, deterministic simulator of labelers and outcomes, and the truthfulness audit
 * (MECHANISM.md, "Strategic labelers"). Pure Java: Avro records and the core, no Flink.
 *
 * <h2>Model</h2>
 *
 * <ul>
 *   <li>Item k has a true preference q(k) ~ Beta(1/2, 1/2) (the probability that A is better:
 *       mostly clear comparisons, some close calls). Its outcome y(k), revealed only when the item
 *       is gold, is by default ({@link dev.feedbackagg.sim.OutcomeModel#BERNOULLI}) a coin
 *       y(k) ~ Bernoulli(q(k)): a gold label or a user's choice is binary, and E[y | q] = q.
 *   <li>Labeler i draws its taste b(i) ~ N(mu_b, sd_b^2) and accuracy s(i) ~ U[s_min, s_max] from
 *       its type's prior ({@link dev.feedbackagg.sim.LabelerSpec}); its private preference is
 *       p(i,k) = clip(q(k) + b(i) + e(i,k)), e ~ N(0, s(i)^2): MECHANISM.md's formula with y(k)
 *       read as the true preference q(k) that the coin is drawn from. So an unbiased, noiseless
 *       labeler is the Bayes forecaster of y and Brier is proper for it. The other models are
 *       {@code soft} (y = q revealed, the formula verbatim) and {@code binary} (p built on the
 *       realised binary y: labelers see through to the coin).
 *   <li>A labeler reports r = strategy(p) ({@link dev.feedbackagg.sim.Strategy}); colluders share
 *       one taste draw and one shift; a Sybil id reports exactly its master's report.
 *   <li>All randomness is keyed by (seed, kind of draw, labeler, item) ({@code Rng}), so the same
 *       seed gives the same events bit for bit, and changing one labeler's strategy changes
 *       nothing else (common random numbers for the audit).
 * </ul>
 *
 * <h2>Use</h2>
 *
 * {@code World.generate(Scenarios.paper()).events()} gives the raw reports and outcomes in
 * event-time order; {@link dev.feedbackagg.sim.RegretReport#run} replays them through
 * core.PipelineReference and computes the regrets; {@link dev.feedbackagg.sim.EventLogFile}
 * writes and reads them as an Avro container file; {@link dev.feedbackagg.sim.Audit} runs the
 * truthfulness audit. The CLI commands {@code simulate} and {@code audit} wrap them.
 */
package dev.feedbackagg.sim;
