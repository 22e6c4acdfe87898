package dev.sinklora.testing;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.sql.SparkSession;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A Spark session on {@code local-cluster[N,1,1024]}: a standalone master and N one-core workers inside this JVM,
 * whose executors are separate JVMs. A worker starts them from {@code $SPARK_HOME/jars/*}, so this builds that
 * folder from the test classpath: every jar is linked into it, and the class directories (this module's and the
 * reactor's) are packed into one application jar that reaches the executors through {@code spark.jars}, as
 * spark-submit ships an application. The worker reads SPARK_HOME (and SPARK_SCALA_VERSION) from the environment,
 * which only surefire can set: tests using this carry {@link #TAG} and run in spark-jobs' own surefire execution.
 * The executors get this JVM's module opens and one OpenMP thread each.
 */
public final class LocalClusterSession implements AutoCloseable {

    /** JUnit tag of the tests that run in the local-cluster surefire execution. */
    public static final String TAG = "local-cluster";

    private final SparkSession spark;
    private final int executors;

    private LocalClusterSession(SparkSession spark, int executors) {
        this.spark = spark;
        this.executors = executors;
    }

    /**
     * Starts N workers and waits until each has registered its executor.
     *
     * @param work a folder for the application jar (the Spark home itself comes from $SPARK_HOME)
     */
    public static LocalClusterSession start(Path work, int workers) throws IOException, InterruptedException {
        String home = System.getenv("SPARK_HOME");
        if (home == null || System.getenv("SPARK_SCALA_VERSION") == null) {
            throw new IllegalStateException("SPARK_HOME and SPARK_SCALA_VERSION are not set: run tests tagged '"
                    + TAG + "' through spark-jobs' local-cluster surefire execution");
        }
        List<Path> dirs = linkJars(Path.of(home).resolve("jars"));
        Path appJar = packClasses(dirs, work.resolve("sinklora-test-app.jar"));
        SparkSession spark = SparkSession.builder()
                .master("local-cluster[" + workers + ",1,1024]")
                .appName("sinklora-local-cluster-test")
                .config("spark.jars", appJar.toUri().toString())
                .config("spark.executor.memory", "1g")
                .config("spark.executor.extraJavaOptions", String.join(" ", jvmOpens()))
                .config("spark.executorEnv.OMP_NUM_THREADS", "1")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "4")
                .getOrCreate();
        LocalClusterSession session = new LocalClusterSession(spark, workers);
        session.awaitExecutors();
        return session;
    }

    public SparkSession session() {
        return spark;
    }

    /** The process ids of the JVMs that run this session's tasks (enough short tasks to reach every executor). */
    public Set<Long> executorPids() {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        List<Integer> slots = new ArrayList<>();
        for (int i = 0; i < 4 * executors; i++) {
            slots.add(i);
        }
        return new TreeSet<>(jsc.parallelize(slots, slots.size()).map(new CurrentPid()).collect());
    }

    @Override
    public void close() {
        spark.stop();
    }

    private void awaitExecutors() throws InterruptedException {
        long deadline = System.nanoTime() + 120_000_000_000L;
        // the status tracker lists the driver too
        while (spark.sparkContext().statusTracker().getExecutorInfos().length < executors + 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("executors did not register within 120 s; their logs are under "
                        + System.getenv("SPARK_HOME") + "/work");
            }
            Thread.sleep(100);
        }
    }

    /** Links every jar of the test classpath into jars/ (fresh each time); returns the class directories. */
    private static List<Path> linkJars(Path jars) throws IOException {
        if (Files.exists(jars)) {
            try (Stream<Path> old = Files.list(jars)) {
                for (Path p : old.toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(jars);
        List<Path> dirs = new ArrayList<>();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path p = Path.of(entry).toAbsolutePath();
            if (Files.isDirectory(p)) {
                dirs.add(p);
            } else if (entry.endsWith(".jar") && Files.isRegularFile(p)) {
                // numbered: two artifacts may share a file name
                Files.createSymbolicLink(jars.resolve(String.format("%04d-%s", n++, p.getFileName())), p);
            }
        }
        return dirs;
    }

    /** Packs the class directories into one jar (the first directory wins a duplicate entry). */
    private static Path packClasses(List<Path> dirs, Path jar) throws IOException {
        Files.createDirectories(jar.getParent());
        Set<String> seen = new HashSet<>();
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream zip = new JarOutputStream(out)) {
            for (Path dir : dirs) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        String name = dir.relativize(f).toString().replace(File.separatorChar, '/');
                        if (seen.add(name)) {
                            zip.putNextEntry(new JarEntry(name));
                            Files.copy(f, zip);
                            zip.closeEntry();
                        }
                    }
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        return jar;
    }

    /** This JVM's --add-opens flags and the like (surefire's argLine), which the executors need too. */
    private static List<String> jvmOpens() {
        return ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.startsWith("--add-opens") || a.startsWith("-Djdk.reflect")).toList();
    }

    private static final class CurrentPid implements Function<Integer, Long> {
        private static final long serialVersionUID = 1L;

        @Override
        public Long call(Integer ignored) throws InterruptedException {
            Thread.sleep(100); // short enough to keep the test fast, long enough that every executor takes tasks
            return ProcessHandle.current().pid();
        }
    }
}
