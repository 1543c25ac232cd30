package dev.feedbackagg.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The executable jar's entry point: one command, a subcommand per task. */
@Command(
    name = "feedback-aggregation",
    mixinStandardHelpOptions = true,
    versionProvider = FeedbackAggregation.Version.class,
    description = "Online weighted aggregation of human preference labels (MECHANISM.md).",
    subcommands = {JobCommand.class, ReplayCommand.class, SimulateCommand.class, AuditCommand.class, ReportCommand.class, CommandLine.HelpCommand.class})
public final class FeedbackAggregation implements Runnable {

  /** Exit code for bad input or options. */
  public static final int EXIT_BAD_INPUT = 2;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static CommandLine commandLine() {
    return new CommandLine(new FeedbackAggregation());
  }

  public static void main(String[] args) {
    int code = commandLine().execute(args);
    if (code != 0) {
      if (args.length > 0 && args[0].equals("job")) {
        // `job` runs inside Flink (flink run, or the REST API in the JobManager's JVM): exiting
        // would take the JobManager down. Fail the submission instead; the message is above.
        throw new IllegalStateException("job: failed with exit code " + code + " (bad options or a failed run: see above)");
      }
      System.exit(code);
    }
  }

  /** The version the jar was built as. */
  public static String version() {
    String v = FeedbackAggregation.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"feedback-aggregation " + version()};
    }
  }
}
