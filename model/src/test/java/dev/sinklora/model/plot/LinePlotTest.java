package dev.sinklora.model.plot;

import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The axis labels a reader sees: step numbers on a loss plot (they read "500%" for step 5), percentages for shares. */
class LinePlotTest {

    private static LinePlot.Panel panel(double[] x, LinePlot.XFormat format) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 5 - 0.1 * i;
        }
        return new LinePlot.Panel("t", "x", "y", List.of(new LinePlot.Series("s", x, y, Color.BLUE, false)), format);
    }

    @Test
    void stepsAreLabelledAsNumbers() {
        LinePlot.Panel loss = new LinePlot.Panel("loss", "step", "loss", List.of(new LinePlot.Series("loss",
                new double[]{5, 10, 15}, new double[]{5.5, 4.9, 4.6}, Color.BLUE, false)));
        assertEquals(List.of("6", "8", "10", "12", "14"), LinePlot.xLabels(loss));

        double[] many = new double[300];
        for (int i = 0; i < many.length; i++) {
            many[i] = 5 * (i + 1);
        }
        assertEquals(List.of("0", "200", "400", "600", "800", "1000", "1200", "1400"),
                LinePlot.xLabels(panel(many, LinePlot.XFormat.NUMBER)), "a few round ticks, not one per point");
        assertEquals(List.of("2", "3", "4", "5", "6"), LinePlot.xLabels(panel(new double[]{4}, LinePlot.XFormat.NUMBER)),
                "one round: integer steps around it");
    }

    @Test
    void sharesAreLabelledAsPercentages() {
        assertEquals(List.of("10%", "15%", "20%", "25%", "30%", "35%", "40%", "45%", "50%"),
                LinePlot.xLabels(panel(new double[]{0.1, 0.2, 0.5}, LinePlot.XFormat.PERCENT)));
        assertEquals("2.5%", LinePlot.format(0.025, 0.005, true));
        assertEquals("0.0", LinePlot.format(-1e-12, 0.5, false), "no -0.0");
    }

    @Test
    void yTicksAreRoundNumbersInsideTheRange() {
        LinePlot.Axis y = LinePlot.yAxis(panel(new double[]{1, 2, 3}, LinePlot.XFormat.NUMBER)); // y 5.0 .. 4.8
        assertEquals(0.05, y.step(), 1e-12);
        for (double t : y.ticks()) {
            assertTrue(t >= y.min() && t <= y.max(), t + " outside " + y);
            assertEquals(0, Math.abs(t / y.step() - Math.rint(t / y.step())), 1e-9);
        }
    }

    @Test
    void writesAPngOfOnePanelWidthPerPanel() throws Exception {
        byte[] png = LinePlot.png(List.of(panel(new double[]{1, 2}, LinePlot.XFormat.NUMBER),
                panel(new double[]{0.1, 0.2}, LinePlot.XFormat.PERCENT)));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        assertEquals(2 * 560, img.getWidth());
        assertEquals(420, img.getHeight());
    }
}
