package dev.sinklora.io;

import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkEnv;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

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
            return new Configuration(active.get().sparkContext().hadoopConfiguration());
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
        return conf;
    }
}
