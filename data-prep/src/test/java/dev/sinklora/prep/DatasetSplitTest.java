package dev.sinklora.prep;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DatasetSplitTest {
    @Test
    void fractionIsRespectedAndDependsOnSeedAndContentOnly() {
        int val = 0;
        int changed = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            String doc = "document number " + i;
            DatasetSplit a = DatasetSplit.assign(42, doc, 0.1);
            assertEquals(a, DatasetSplit.assign(42, new String(doc.toCharArray()), 0.1));
            if (a == DatasetSplit.VALIDATION) {
                val++;
            }
            if (a != DatasetSplit.assign(43, doc, 0.1)) {
                changed++;
            }
        }
        assertTrue(Math.abs(val - 0.1 * n) < 4 * Math.sqrt(n * 0.1 * 0.9), "validation count " + val);
        assertTrue(changed > 0.1 * n, "another seed moves documents: " + changed);
        assertEquals(DatasetSplit.TRAIN, DatasetSplit.assign(42, "anything", 0));
    }
}
