package dev.sinklora.cli;

import dev.sinklora.spark.HadoopConfs;
import dev.sinklora.testing.SparkTestSession;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An s3a:// path whose endpoint does not answer fails fast with one line naming the endpoint and the cause. */
class UnreachableS3Test {

    @Test
    void unreachableEndpointFailsWithinSecondsWithOneLine() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort(); // free once closed: connections are refused
        }
        Configuration session = SparkTestSession.get().sparkContext().hadoopConfiguration();
        List<String> keys = List.of("fs.s3a.endpoint", "fs.s3a.path.style.access", "fs.s3a.access.key",
                "fs.s3a.secret.key", "fs.s3a.aws.credentials.provider", "fs.s3a.impl.disable.cache");
        List<String> saved = keys.stream().map(session::get).toList();
        session.set("fs.s3a.endpoint", "http://127.0.0.1:" + closedPort);
        session.set("fs.s3a.path.style.access", "true");
        session.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
        session.set("fs.s3a.access.key", "a");
        session.set("fs.s3a.secret.key", "b");
        session.setBoolean("fs.s3a.impl.disable.cache", true);
        try {
            long t0 = System.nanoTime();
            CliRunner.Result r = CliRunner.run("merge", "--base", "s3a://nowhere/base", "--adapter", "s3a://nowhere/ad",
                    "--out", "s3a://nowhere/out");
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertEquals(2, r.exitCode(), r.err());
            String err = r.err().strip();
            assertEquals(1, err.lines().count(), err);
            assertTrue(err.startsWith("sinklora merge: error: "), err);
            assertTrue(err.contains("127.0.0.1:" + closedPort) && err.contains("Connection refused"), err);
            assertTrue(err.contains("fs.s3a.attempts.maximum=2"), err);
            // S3A's own defaults retried for minutes; a functional bound, not a benchmark
            assertTrue(seconds < 60, "failed after " + seconds + " s");
        } finally {
            for (int i = 0; i < keys.size(); i++) {
                if (saved.get(i) == null) {
                    session.unset(keys.get(i));
                } else {
                    session.set(keys.get(i), saved.get(i));
                }
            }
        }
    }

    @Test
    void retryDefaultsNeverOverrideWhatTheUserSet() {
        Configuration conf = new Configuration();
        conf.set("fs.s3a.attempts.maximum", "9");
        HadoopConfs.withDefaults(conf);
        assertEquals("9", conf.get("fs.s3a.attempts.maximum"));
        assertEquals("2", conf.get("fs.s3a.retry.limit"));
        assertEquals("5000", conf.get("fs.s3a.connection.establish.timeout"));
    }
}
