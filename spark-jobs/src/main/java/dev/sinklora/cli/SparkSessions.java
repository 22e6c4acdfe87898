package dev.sinklora.cli;

import dev.sinklora.io.HadoopConfs;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a CLI command. The master comes from outside (spark-submit, or
 * {@code -Dspark.master} set by the local launcher); jobs never set it. A session that already
 * exists in the JVM (tests, notebooks) is reused and left running.
 */
final class SparkSessions {
    private final SparkSession spark;
    private final boolean owned;

    private SparkSessions(SparkSession spark, boolean owned) {
        this.spark = spark;
        this.owned = owned;
    }

    static SparkSessions forCommand(String command) {
        boolean existed = SparkSession.getDefaultSession().isDefined();
        SparkSession s = SparkSession.builder().appName("sinklora " + command).getOrCreate();
        HadoopConfs.withDefaults(s.sparkContext().hadoopConfiguration());
        return new SparkSessions(s, !existed);
    }

    SparkSession get() {
        return spark;
    }

    /** Stops the session if this command created it. */
    void release() {
        if (owned) {
            spark.stop();
        }
    }
}
