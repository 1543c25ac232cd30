package dev.feedbackagg.sim;

import dev.feedbackagg.sim.LabelerSpec.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The named scenarios. Print one with {@link Scenario#describe()}. */
public final class Scenarios {
  /** 2025-01-01T00:00:00Z: the simulated clock's default start. */
  public static final long DEFAULT_START_MS = 1_735_689_600_000L;

  public static final List<String> NAMES = List.of("paper", "crowd");

  private Scenarios() {}

  /** A scenario by name (case-insensitive). */
  public static Scenario byName(String name) {
    switch (name.trim().toLowerCase(Locale.ROOT)) {
      case "paper":
        return paper();
      case "crowd":
        return crowd();
      default:
        throw new IllegalArgumentException("scenario: unknown '" + name + "' (expected one of " + NAMES + ")");
    }
  }

  /**
   * The setting of the ICASSP paper: N = 10 labelers of different accuracy and taste, every labeler
   * on every item, every outcome revealed (gold rate 1) 200 ms after the item closes, before the
   * next item opens: the online protocol of the regret bound. Five labelers are truthful, four play
   * a strategy (exaggerate, shift towards their taste, hard vote, flip) and one spams. Each labeler
   * has its own prior, narrow around its profile, so every seed redraws b and s a little.
   */
  public static Scenario paper() {
    double jitterB = 0.03;
    double jitterS = 0.02;
    // id, role, bias, noise sd, strategy
    Object[][] profile = {
      {"L00", Role.HONEST, 0.00, 0.05, Strategy.TRUTHFUL},
      {"L01", Role.HONEST, +0.05, 0.10, Strategy.TRUTHFUL},
      {"L02", Role.HONEST, -0.10, 0.15, Strategy.TRUTHFUL},
      {"L03", Role.HONEST, +0.15, 0.20, Strategy.TRUTHFUL},
      {"L04", Role.HONEST, -0.20, 0.30, Strategy.TRUTHFUL},
      {"L05", Role.STRATEGIC, +0.10, 0.10, new Strategy.Exaggerate(1.0)},
      {"L06", Role.STRATEGIC, -0.15, 0.10, new Strategy.Shift(0.2)},
      {"L07", Role.STRATEGIC, +0.05, 0.15, new Strategy.Constant()},
      {"L08", Role.STRATEGIC, 0.00, 0.10, new Strategy.Flip()},
      {"L09", Role.SPAMMER, 0.00, 0.25, new Strategy.RandomReport()},
    };
    List<LabelerSpec> labelers = new ArrayList<>();
    for (Object[] p : profile) {
      double s = (double) p[3];
      labelers.add(LabelerSpec.of((String) p[0], (Role) p[1], (double) p[2], jitterB,
          Math.max(0.0, s - jitterS), s + jitterS, (Strategy) p[4]));
    }
    return new Scenario("paper", "paper", 1L, 2000, labelers, 10, 10, 0, 1.0, OutcomeModel.BERNOULLI,
        DEFAULT_START_MS, 1000L, 600L, 200L);
  }

  /**
   * A crowd: 261 ids, 3 to 5 labels per item, 10% gold revealed 5 minutes after the close. 200
   * truthful labelers of varied accuracy and taste; 17 strategic ones (5 exaggerate, 5 shift, 2 flip,
   * 5 hard-vote); 20 spammers; a colluding group of 8 with one taste (b ~ N(+0.25, 0.05^2), one draw)
   * all shifting by 0.25; and a strategic labeler (taste b ~ N(-0.25, 0.05^2), shift 0.25) with a
   * swarm of 15 Sybil ids, up to 2 of which join each item the master labels.
   */
  public static Scenario crowd() {
    List<LabelerSpec> l = new ArrayList<>();
    int[] next = {1};
    java.util.function.Supplier<String> id = () -> String.format(Locale.ROOT, "w%03d", next[0]++);
    for (int i = 0; i < 200; i++) {
      l.add(LabelerSpec.of(id.get(), Role.HONEST, 0.0, 0.10, 0.05, 0.40, Strategy.TRUTHFUL));
    }
    for (int i = 0; i < 5; i++) {
      l.add(LabelerSpec.of(id.get(), Role.STRATEGIC, 0.0, 0.10, 0.05, 0.30, new Strategy.Exaggerate(1.0)));
    }
    for (int i = 0; i < 5; i++) {
      l.add(LabelerSpec.of(id.get(), Role.STRATEGIC, 0.0, 0.15, 0.05, 0.30, new Strategy.Shift(0.2)));
    }
    for (int i = 0; i < 2; i++) {
      l.add(LabelerSpec.of(id.get(), Role.STRATEGIC, 0.0, 0.10, 0.05, 0.30, new Strategy.Flip()));
    }
    for (int i = 0; i < 5; i++) {
      l.add(LabelerSpec.of(id.get(), Role.STRATEGIC, 0.0, 0.10, 0.05, 0.30, new Strategy.Constant()));
    }
    for (int i = 0; i < 20; i++) {
      l.add(LabelerSpec.of(id.get(), Role.SPAMMER, 0.0, 0.10, 0.05, 0.40, new Strategy.RandomReport()));
    }
    Strategy collusion = new Strategy.Shift(0.25);
    for (int i = 0; i < 8; i++) {
      l.add(new LabelerSpec(id.get(), Role.COLLUDER, 0.25, 0.05, 0.05, 0.30, collusion, "c1", null));
    }
    String master = id.get();
    l.add(LabelerSpec.of(master, Role.SYBIL_MASTER, -0.25, 0.05, 0.05, 0.20, new Strategy.Shift(0.25)));
    for (int i = 0; i < 15; i++) {
      l.add(LabelerSpec.sybil(id.get(), master));
    }
    return new Scenario("crowd", "crowd", 1L, 20000, l, 3, 5, 2, 0.1, OutcomeModel.BERNOULLI,
        DEFAULT_START_MS, 500L, 120_000L, 300_000L);
  }
}
