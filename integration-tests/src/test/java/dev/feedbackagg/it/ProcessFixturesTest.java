package dev.feedbackagg.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ProcessFixturesTest {

    @Test
    void portsDifferLieBelowTheEphemeralRangeAndCanBeBound() throws IOException {
        int low = ProcessFixtures.ephemeralLow();
        for (int round = 0; round < 20; round++) {
            int[] ports = ProcessFixtures.freeLoopbackPorts(3);
            assertThat(Arrays.stream(ports).distinct().count()).isEqualTo(3);
            for (int port : ports) {
                assertThat(port).isGreaterThanOrEqualTo(ProcessFixtures.LOWEST_PORT).isLessThan(Math.max(low, ProcessFixtures.LOWEST_PORT + 1000));
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
                }
            }
        }
    }

    @Test
    void aBoundPortIsNeverHandedOut() throws IOException {
        int[] first = ProcessFixtures.freeLoopbackPorts(1);
        try (ServerSocket held = new ServerSocket()) {
            held.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), first[0]));
            for (int round = 0; round < 200; round++) {
                assertThat(ProcessFixtures.freeLoopbackPorts(4)).doesNotContain(first[0]);
            }
        }
    }

    @Test
    void theEphemeralRangeIsReadFromTheSystem() {
        assertThat(ProcessFixtures.ephemeralLow()).isBetween(1024, 65535);
    }
}
