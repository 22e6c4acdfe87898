package dev.sinklora.cli;

import dev.sinklora.model.BadInputException;
import dev.sinklora.spark.SparkSessions;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The backend Maven records in the jar, and the refusal of GPU executors for a CPU jar that it drives. */
class BuildInfoTest {

    @Test
    void recordedBackendIsTheOneNd4jLoads() {
        String recorded = BuildInfo.nd4jBackend();
        assertTrue(recorded.startsWith("nd4j-"), "build.properties was not filtered: " + recorded);
        String loaded = Nd4j.getBackend().getClass().getSimpleName();
        assertEquals(BuildInfo.isCuda() ? "JCublasBackend" : "CpuBackend", loaded, "recorded " + recorded);
    }

    @Test
    void aCpuJarRefusesGpuExecutorsWithTheFix() {
        SparkConf gpu = new SparkConf(false).set(SparkSessions.EXECUTOR_GPUS, "1");
        BadInputException e = assertThrows(BadInputException.class,
                () -> SparkSessions.refuseGpuExecutorsForCpuJar(gpu, "nd4j-native"));
        assertTrue(e.getMessage().startsWith(SparkSessions.EXECUTOR_GPUS + "=1 ")
                && e.getMessage().contains("nd4j-native") && e.getMessage().contains("conf/spark-train-cpu.conf")
                && e.getMessage().contains("mvn -Pcuda"), e.getMessage());
        assertDoesNotThrow(() -> SparkSessions.refuseGpuExecutorsForCpuJar(gpu, "nd4j-cuda-11.6"));
        assertDoesNotThrow(() -> SparkSessions.refuseGpuExecutorsForCpuJar(new SparkConf(false), "nd4j-native"));
        assertDoesNotThrow(() -> SparkSessions.refuseGpuExecutorsForCpuJar(
                new SparkConf(false).set(SparkSessions.EXECUTOR_GPUS, "0"), "nd4j-native"));
    }
}
