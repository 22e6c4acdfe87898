package dev.sinklora.model.eval;

import dev.sinklora.model.BadInputException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PasskeyDepthBucketsTest {

    @Test
    void placementsStayInsideTheirBucketAndReachBothEnds() {
        DepthBuckets b = new DepthBuckets(5);
        for (int sentences = 5; sentences <= 200; sentences += 7) {
            for (int bucket = 0; bucket < 5; bucket++) {
                for (double u : new double[]{0, 0.3, 0.999999}) {
                    int p = b.sentencesBefore(sentences, bucket, u);
                    double depth = (double) p / sentences;
                    assertTrue(depth >= b.lower(bucket) && depth <= b.upper(bucket),
                            sentences + " sentences, bucket " + bucket + ", u " + u + ": depth " + depth);
                }
            }
            assertEquals(0, b.sentencesBefore(sentences, 0, 0));
            assertEquals(sentences, b.sentencesBefore(sentences, 4, 0.999999));
        }
        assertEquals("20-40%", b.label(1));
        assertEquals(3, b.bucketOfTrial(8));
        assertThrows(BadInputException.class, () -> new DepthBuckets(0));
    }
}
