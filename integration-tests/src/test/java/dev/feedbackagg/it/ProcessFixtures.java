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

    /** Binds {@code count} sockets on 127.0.0.1 at once (so the ports differ) and returns their ports. */
    static int[] freeLoopbackPorts(int count) throws IOException {
        InetAddress loopback = InetAddress.getByName("127.0.0.1");
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            int[] ports = new int[count];
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(loopback, 0));
                ports[i] = socket.getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket socket : sockets) {
                socket.close();
            }
        }
    }
}
