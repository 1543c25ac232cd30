package dev.feedbackagg.it;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/** What the fixtures that start real processes (Kafka broker, Flink cluster) share. */
final class ProcessFixtures {
    private ProcessFixtures() {}

    /** The last maxBytes of a log file, from a line start, for failure messages. */
    static String tail(Path file, int maxBytes) {
        if (!Files.isRegularFile(file)) {
            return "(missing)";
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long from = Math.max(0, length - maxBytes);
            byte[] bytes = new byte[(int) (length - from)];
            raf.seek(from);
            raf.readFully(bytes);
            String text = new String(bytes, StandardCharsets.UTF_8);
            return from > 0 ? "..." + text.substring(Math.max(0, text.indexOf('\n') + 1)) : text;
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** The classpath folder lib, when it holds a jar named jarPrefix*; else a message naming the module to build. */
    static Path requireLib(Path lib, String jarPrefix, String what, String module) {
        boolean found = false;
        if (Files.isDirectory(lib)) {
            try (Stream<Path> jars = Files.list(lib)) {
                found = jars.anyMatch(j -> j.getFileName().toString().startsWith(jarPrefix));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (!found) {
            throw new IllegalStateException(what + " classpath not found at " + lib
                    + ": run mvn -B package -pl " + module);
        }
        return lib;
    }

    /** Where fixture ports are picked when the OS does not say where its ephemeral range starts. */
    static final int DEFAULT_EPHEMERAL_LOW = 32768;

    /** The lowest port picked for a fixture. */
    static final int LOWEST_PORT = 10000;

    /**
     * {@code count} different ports on 127.0.0.1 that are free now, below the OS's ephemeral range.
     * A port the OS hands out for a bind to port 0 is free when it is handed out, but the OS may
     * hand it out again as the local port of an outgoing connection (the test's clients, a
     * TaskManager's) before the process that is to listen on it binds it: a JobManager once failed
     * with "Unable to open BLOB Server in specified port range" so. Below the ephemeral range only
     * a process that binds that very port can take it. Each candidate is checked by binding it,
     * and all stay bound until every one is found, so that they differ.
     */
    static int[] freeLoopbackPorts(int count) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        int low = LOWEST_PORT;
        int high = portsEnd();
        int span = high - low;
        int next = low + ThreadLocalRandom.current().nextInt(span);
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0, tried = 0; i < count; tried++) {
                if (tried == span) {
                    throw new IOException("no free port on 127.0.0.1 in [" + low + ", " + high + ")");
                }
                int port = next;
                next = next + 1 == high ? low : next + 1;
                ServerSocket socket = new ServerSocket();
                try {
                    socket.bind(new InetSocketAddress(loopback, port));
                } catch (IOException taken) {
                    socket.close();
                    continue;
                }
                sockets.add(socket);
                ports[i++] = port;
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }

    /** Where the ports picked end (exclusive): the ephemeral range, with at least 1000 to pick from. */
    static int portsEnd() {
        return Math.max(LOWEST_PORT + 1000, ephemeralLow());
    }

    /** The first port of Linux's ephemeral range, else {@link #DEFAULT_EPHEMERAL_LOW}. */
    static int ephemeralLow() {
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        try {
            if (Files.isReadable(range)) {
                // A line reader: Files.readString read one byte of it here (procfs reports size 0).
                String[] bounds = Files.readAllLines(range, StandardCharsets.US_ASCII).get(0).trim().split("\\s+");
                return Integer.parseInt(bounds[0]);
            }
        } catch (IOException | RuntimeException unreadable) {
            // the default below
        }
        return DEFAULT_EPHEMERAL_LOW;
    }
}
