package dev.feedbackagg.it;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * kcat (the librdkafka command-line client, Debian package {@code kcat}): an independent Kafka
 * client, in C, that reads the job's output topics with read_committed, so the tests do not only
 * trust the Java client that also wrote them.
 *
 * <p>{@link #consume} runs {@code kcat -C -b BOOTSTRAP -t TOPIC -o beginning -e -q -X
 * isolation.level=read_committed -f '%p %o %K %S\n%k%s\n'} and parses its binary output: a header
 * line (partition, offset, key length, value length; -1 for null) and then exactly that many raw
 * key and value bytes, so keys and Avro values with any byte in them come through intact.
 */
final class Kcat {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private Kcat() {}

    /** One record as kcat printed it. */
    record Message(int partition, long offset, byte[] key, byte[] value) {
        String keyString() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }
    }

    /** The kcat binary, or an AssertionError that says how to install it. */
    static String require() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, "kcat");
            if (Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new AssertionError("kcat is not installed (an independent Kafka client this test reads the output"
                + " with): apt-get update && apt-get install -y kcat  (.ci/run installs it when missing)");
    }

    /** kcat's version line ({@code kcat -V}). */
    static String version() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(require(), "-V").redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        p.waitFor(10, TimeUnit.SECONDS);
        return new String(out, StandardCharsets.UTF_8).lines().findFirst().orElse("?").strip();
    }

    /** Every committed record of the topic, as kcat reads it (partition by partition, offset order kept). */
    static List<Message> consume(String bootstrap, String topic) throws IOException, InterruptedException {
        List<String> command = List.of(require(), "-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q",
                "-X", "isolation.level=read_committed", "-f", "%p %o %K %S\n%k%s\n");
        Process p = new ProcessBuilder(command).redirectErrorStream(false).start();
        p.getOutputStream().close();
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        byte[] out = readAll(p.getInputStream());
        if (!p.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("kcat did not end within " + TIMEOUT + ": " + String.join(" ", command));
        }
        String errors = new String(stderr.join(), StandardCharsets.UTF_8);
        if (p.exitValue() != 0) {
            throw new AssertionError("kcat failed with exit code " + p.exitValue() + ": " + String.join(" ", command)
                    + "\n" + errors);
        }
        return parse(out);
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static List<Message> parse(byte[] out) {
        List<Message> messages = new ArrayList<>();
        int i = 0;
        while (i < out.length) {
            int nl = i;
            while (nl < out.length && out[nl] != '\n') {
                nl++;
            }
            String[] header = new String(out, i, nl - i, StandardCharsets.US_ASCII).split(" ");
            if (header.length != 4 || nl >= out.length) {
                throw new AssertionError("kcat output: bad header at byte " + i + ": '"
                        + String.join(" ", header) + "'");
            }
            int keyLength = Integer.parseInt(header[2]);
            int valueLength = Integer.parseInt(header[3]);
            int at = nl + 1;
            if (at + Math.max(0, keyLength) + Math.max(0, valueLength) >= out.length) {
                throw new AssertionError("kcat output: record " + header[0] + "/" + header[1] + " is cut short");
            }
            byte[] key = keyLength < 0 ? null : Arrays.copyOfRange(out, at, at + keyLength);
            at += Math.max(0, keyLength);
            byte[] value = valueLength < 0 ? null : Arrays.copyOfRange(out, at, at + valueLength);
            at += Math.max(0, valueLength);
            if (at >= out.length || out[at] != '\n') {
                throw new AssertionError("kcat output: record " + header[0] + "/" + header[1]
                        + " is not followed by a newline at byte " + at);
            }
            messages.add(new Message(Integer.parseInt(header[0]), Long.parseLong(header[1]), key, value));
            i = at + 1;
        }
        return messages;
    }
}
