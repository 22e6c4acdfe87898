package dev.sinklora.testing;

import org.apache.spark.sql.SparkSession;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one Spark session all Spark tests share: {@code local[2]}, bound to loopback, no UI. Created
 * on first use and stopped when the test JVM exits. Exported in the data-prep test-jar for the
 * spark-jobs tests.
 */
public final class SparkTestSession {
    private static SparkSession spark;
    private static boolean stopAtExit;

    private SparkTestSession() {
    }

    public static synchronized SparkSession get() {
        if (spark == null) {
            try {
                Path warehouse = Files.createTempDirectory("sinklora-spark-warehouse");
                spark = SparkSession.builder()
                        .master("local[2]")
                        .appName("sinklora-tests")
                        .config("spark.ui.enabled", "false")
                        .config("spark.driver.host", "127.0.0.1")
                        .config("spark.driver.bindAddress", "127.0.0.1")
                        .config("spark.sql.shuffle.partitions", "4")
                        .config("spark.sql.warehouse.dir", warehouse.toUri().toString())
                        .getOrCreate();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            if (!stopAtExit) {
                Runtime.getRuntime().addShutdownHook(new Thread(SparkTestSession::stop));
                stopAtExit = true;
            }
        }
        return spark;
    }

    /**
     * Stops the session now; a later {@link #get} starts a new one. Only for a test JVM that needs another
     * master afterwards (one SparkContext per JVM), such as spark-jobs' own local-cluster surefire execution.
     */
    public static synchronized void stop() {
        if (spark != null) {
            spark.stop();
            spark = null;
        }
    }
}
