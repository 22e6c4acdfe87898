package dev.sinklora.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

import java.util.Map;
import java.util.Properties;

/** Where a command gets its Hadoop configuration when it may run without a Spark session. */
public final class HadoopConfs {

    private HadoopConfs() {
    }

    /**
     * The active Spark session's Hadoop configuration if there is one; otherwise the default Hadoop configuration
     * (core-site.xml etc. from the classpath) plus every {@code spark.hadoop.*} setting with the prefix removed, as
     * Spark itself would apply them: from system properties (spark-submit passes {@code --conf} values as system
     * properties to the driver) and, in an executor JVM, from the application's Spark configuration.
     */
    public static Configuration current() {
        var active = SparkSession.getActiveSession();
        if (active.isDefined()) {
            return withDefaults(new Configuration(active.get().sparkContext().hadoopConfiguration()));
        }
        Configuration conf = new Configuration();
        SparkEnv env = SparkEnv.get();
        if (env != null) {
            for (Tuple2<String, String> kv : env.conf().getAllWithPrefix("spark.hadoop.")) {
                conf.set(kv._1(), kv._2());
            }
        }
        Properties props = System.getProperties();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("spark.hadoop.")) {
                conf.set(key.substring("spark.hadoop.".length()), props.getProperty(key));
            }
        }
        return withDefaults(conf);
    }

    /**
     * S3A's connection retries, bounded so that an unreachable endpoint fails in about half a minute instead of
     * retrying for minutes (Hadoop 3.3.4's defaults: 20 SDK attempts x 7 S3A retries). Throttling keeps its own,
     * longer retry policy ({@code fs.s3a.retry.throttle.*}). Each key is set only where the user has not set it.
     */
    static final Map<String, String> S3A_DEFAULTS = Map.of(
            "fs.s3a.attempts.maximum", "2",
            "fs.s3a.retry.limit", "2",
            "fs.s3a.retry.interval", "500ms",
            "fs.s3a.connection.establish.timeout", "5000",
            "fs.s3a.connection.timeout", "60000");

    /** {@code conf} with {@link #S3A_DEFAULTS} wherever only Hadoop's built-in defaults set the key. */
    public static Configuration withDefaults(Configuration conf) {
        S3A_DEFAULTS.forEach((key, value) -> {
            String[] sources = conf.getPropertySources(key);
            boolean builtIn = sources == null
                    || java.util.Arrays.stream(sources).allMatch(src -> src.equals("core-default.xml"));
            if (builtIn) {
                conf.set(key, value, "sinklora default");
            }
        });
        return conf;
    }
}
