package dev.sinklora.spark;

import dev.sinklora.model.BadInputException;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * The one way a command gets and ends its Spark session: {@code try (SparkSessions s = SparkSessions.forCommand(...))}.
 * The master comes from outside (spark-submit, or {@code -Dspark.master} set by the local launcher); jobs never set
 * it. A session that already exists in the JVM (tests, notebooks) is reused and left running; one this helper
 * created is stopped on {@link #close()}. Every session gets the project's Hadoop defaults
 * ({@link HadoopConfs#withDefaults}).
 */
public final class SparkSessions implements AutoCloseable {
    public static final String EXECUTOR_GPUS = "spark.executor.resource.gpu.amount";

    private final SparkSession spark;
    private final boolean owned;

    private SparkSessions(SparkSession spark, boolean owned) {
        this.spark = spark;
        this.owned = owned;
    }

    /**
     * The session of {@code sinklora <command>}: the JVM's existing one, else a new one named after the command.
     * {@code nd4jBackend} is the backend the running jar bundles (see {@link #refuseGpuExecutorsForCpuJar}).
     */
    public static SparkSessions forCommand(String command, String nd4jBackend) {
        boolean existed = SparkSession.getDefaultSession().isDefined();
        if (!existed) {
            refuseGpuExecutorsForCpuJar(new SparkConf(), nd4jBackend);
        }
        SparkSession s = SparkSession.builder().appName("sinklora " + command).getOrCreate();
        HadoopConfs.withDefaults(s.sparkContext().hadoopConfiguration());
        return new SparkSessions(s, !existed);
    }

    /**
     * A fresh in-process {@code local[cores]} session, for benchmarks that measure scaling with the core count
     * (the one place a master is set in code): any session the JVM held is set aside first, and this one is stopped
     * and forgotten on {@link #close()}.
     */
    public static SparkSessions localCores(String name, int cores) {
        SparkSession.clearActiveSession();
        SparkSession.clearDefaultSession();
        SparkSession s = SparkSession.builder().master("local[" + cores + "]").appName(name)
                .config("spark.ui.enabled", "false").getOrCreate();
        HadoopConfs.withDefaults(s.sparkContext().hadoopConfiguration());
        return new SparkSessions(s, true);
    }

    /**
     * A jar built with ND4J's CPU backend that asks for GPU executors would hold GPUs it never uses, or, where
     * no worker has one, wait forever for executors ("Initial job has not accepted any resources").
     */
    public static void refuseGpuExecutorsForCpuJar(SparkConf conf, String nd4jBackend) {
        String gpus = conf.get(EXECUTOR_GPUS, "0").trim();
        if (!nd4jBackend.startsWith("nd4j-cuda") && !gpus.equals("0")) {
            throw new BadInputException(EXECUTOR_GPUS + "=" + gpus + " asks for GPU executors, but this jar runs ND4J"
                    + " on the CPU (" + nd4jBackend + "); use conf/spark-train-cpu.conf, or build the CUDA jar with:"
                    + " mvn -Pcuda package -DskipTests");
        }
    }

    public SparkSession get() {
        return spark;
    }

    /** Stops the session if this helper created it. */
    @Override
    public void close() {
        if (owned) {
            spark.stop();
            SparkSession.clearActiveSession();
            SparkSession.clearDefaultSession();
        }
    }
}
