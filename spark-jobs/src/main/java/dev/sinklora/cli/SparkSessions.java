package dev.sinklora.cli;

import dev.sinklora.io.HadoopConfs;
import dev.sinklora.model.BadInputException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The Spark session of a CLI command. The master comes from outside (spark-submit, or
 * {@code -Dspark.master} set by the local launcher); jobs never set it. A session that already
 * exists in the JVM (tests, notebooks) is reused and left running.
 */
final class SparkSessions {
    static final String EXECUTOR_GPUS = "spark.executor.resource.gpu.amount";

    private final SparkSession spark;
    private final boolean owned;

    private SparkSessions(SparkSession spark, boolean owned) {
        this.spark = spark;
        this.owned = owned;
    }

    static SparkSessions forCommand(String command) {
        boolean existed = SparkSession.getDefaultSession().isDefined();
        if (!existed) {
            refuseGpuExecutorsForCpuJar(new SparkConf(), BuildInfo.nd4jBackend());
        }
        SparkSession s = SparkSession.builder().appName("sinklora " + command).getOrCreate();
        HadoopConfs.withDefaults(s.sparkContext().hadoopConfiguration());
        return new SparkSessions(s, !existed);
    }

    /**
     * A jar built with ND4J's CPU backend that asks for GPU executors would hold GPUs it never uses, or, where
     * no worker has one, wait forever for executors ("Initial job has not accepted any resources").
     */
    static void refuseGpuExecutorsForCpuJar(SparkConf conf, String nd4jBackend) {
        String gpus = conf.get(EXECUTOR_GPUS, "0").trim();
        if (!nd4jBackend.startsWith("nd4j-cuda") && !gpus.equals("0")) {
            throw new BadInputException(EXECUTOR_GPUS + "=" + gpus + " asks for GPU executors, but this jar runs ND4J"
                    + " on the CPU (" + nd4jBackend + "); use conf/spark-train-cpu.conf, or build the CUDA jar with:"
                    + " mvn -Pcuda package -DskipTests");
        }
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
