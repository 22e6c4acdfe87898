package dev.sinklora.testing;

import org.apache.spark.sql.SparkSession;

/**
 * The one Spark session of a test JVM: {@code local[2]}, no UI, two shuffle partitions. Created on first use and
 * shared by every test (Spark allows one active context per JVM); stopped by a shutdown hook.
 */
public final class SparkTestSession {

    private static SparkSession session;

    private SparkTestSession() {
    }

    public static synchronized SparkSession get() {
        if (session == null) {
            session = SparkSession.builder()
                    .master("local[2]")
                    .appName("sinklora-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .getOrCreate();
            SparkSession s = session;
            Runtime.getRuntime().addShutdownHook(new Thread(s::stop, "spark-test-session-stop"));
        }
        return session;
    }
}
