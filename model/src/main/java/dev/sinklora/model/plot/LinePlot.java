package dev.sinklora.model.plot;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Minimal line charts with java.awt (headless), written as PNG: one or more panels side by side. */
public final class LinePlot {

    private LinePlot() {
    }

    /** One line; {@code dashed} for reference lines. */
    public record Series(String name, double[] x, double[] y, Color color, boolean dashed) {
    }

    /** How x values are labelled: as numbers (steps, tokens) or as percentages (fractions 0..1). */
    public enum XFormat { NUMBER, PERCENT }

    /** A chart's title, axis labels, lines and x label format. */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series, XFormat xFormat) {
        /** A panel whose x values are plain numbers. */
        public Panel(String title, String xLabel, String yLabel, List<Series> series) {
            this(title, xLabel, yLabel, series, XFormat.NUMBER);
        }
    }

    private static final int W = 560;
    private static final int H = 420;
    private static final int LEFT = 84;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    /** Draws the panels side by side into {@code file} (PNG), creating parent directories. */
    public static void write(Path file, List<Panel> panels) throws IOException {
        if (file.toAbsolutePath().getParent() != null) {
            Files.createDirectories(file.toAbsolutePath().getParent());
        }
        Files.write(file, png(panels));
    }

    /** The panels side by side, as PNG bytes (for outputs that are not local files, e.g. s3a://). */
    public static byte[] png(List<Panel> panels) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(W * panels.size(), H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), H);
        for (int i = 0; i < panels.size(); i++) {
            Graphics2D p = (Graphics2D) g.create(i * W, 0, W, H);
            draw(p, panels.get(i));
            p.dispose();
        }
        g.dispose();
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer");
        }
        return out.toByteArray();
    }

    /** An axis: its padded range and tick spacing (1, 2 or 5 times a power of ten). */
    record Axis(double min, double max, double step) {
        List<Double> ticks() {
            return LinePlot.ticks(min, max, step);
        }
    }

    /** The x axis of {@code panel}: the data's range, padded so points stay off the frame. */
    static Axis xAxis(Panel panel) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (Series s : panel.series()) {
            for (double v : s.x()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        double pad = max > min ? (max - min) * 0.03 : Math.max(1, Math.abs(max) * 0.5);
        double step = niceStep((max - min + 2 * pad) / 6);
        if (panel.xFormat() == XFormat.NUMBER && integral(panel.series())) {
            step = Math.max(1, step); // steps, tokens: no tick between two integers
        }
        return new Axis(min - pad, max + pad, step);
    }

    /** The y axis of {@code panel}: the data's range with 10% room (5% of the value for a flat line). */
    static Axis yAxis(Panel panel) {
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
        for (Series s : panel.series()) {
            for (double v : s.y()) {
                min = Math.min(min, v);
                max = Math.max(max, v);
            }
        }
        double pad = max > min ? (max - min) * 0.1 : Math.max(1e-3, Math.abs(max) * 0.05);
        return new Axis(min - pad, max + pad, niceStep((max - min + 2 * pad) / 5));
    }

    /** The x tick labels as drawn. */
    static List<String> xLabels(Panel panel) {
        Axis x = xAxis(panel);
        return x.ticks().stream().map(v -> format(v, x.step(), panel.xFormat() == XFormat.PERCENT)).toList();
    }

    private static void draw(Graphics2D g, Panel panel) {
        Axis xa = xAxis(panel);
        Axis ya = yAxis(panel);
        double xMin = xa.min(), xMax = xa.max(), yMin = ya.min(), yMax = ya.max();
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(panel.title(), LEFT, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(LEFT, TOP, pw, ph);
        java.awt.FontMetrics fm = g.getFontMetrics();
        for (double yv : ya.ticks()) {
            int y = TOP + ph - (int) Math.round(ph * (yv - yMin) / (yMax - yMin));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT + 1, y, LEFT + pw - 1, y);
            g.setColor(Color.BLACK);
            String label = format(yv, ya.step(), false);
            g.drawString(label, LEFT - 6 - fm.stringWidth(label), y + 4);
        }
        List<Double> xTicks = xa.ticks();
        List<String> xLabels = xLabels(panel);
        for (int i = 0; i < xTicks.size(); i++) {
            int x = LEFT + (int) Math.round(pw * (xTicks.get(i) - xMin) / (xMax - xMin));
            g.drawLine(x, TOP + ph, x, TOP + ph + 4);
            String label = xLabels.get(i);
            g.drawString(label, x - fm.stringWidth(label) / 2, TOP + ph + 18);
        }
        g.drawString(panel.xLabel(), LEFT + (pw - fm.stringWidth(panel.xLabel())) / 2, H - 22);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(panel.yLabel(), -(TOP + (ph + fm.stringWidth(panel.yLabel())) / 2), 14);
        r.dispose();
        boolean dots = panel.series().get(0).x().length <= 40; // dots only while they stay apart
        for (Series s : panel.series()) {
            g.setColor(s.color());
            g.setStroke(stroke(s));
            int[] xs = new int[s.x().length];
            int[] ys = new int[s.y().length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = LEFT + (int) Math.round(pw * (s.x()[i] - xMin) / (xMax - xMin));
                ys[i] = TOP + ph - (int) Math.round(ph * (s.y()[i] - yMin) / (yMax - yMin));
            }
            g.drawPolyline(xs, ys, xs.length);
            for (int i = 0; i < xs.length && !s.dashed() && dots; i++) {
                g.fillOval(xs[i] - 4, ys[i] - 4, 8, 8);
            }
        }
        // the legend last, on white, so lines passing under it do not hide it
        int legendY = TOP + 16;
        g.setColor(Color.WHITE);
        g.fillRect(LEFT + pw - 156, TOP + 4, 150, 18 * panel.series().size() + 2);
        for (Series s : panel.series()) {
            g.setColor(s.color());
            g.setStroke(stroke(s));
            g.drawLine(LEFT + pw - 150, legendY - 4, LEFT + pw - 120, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), LEFT + pw - 112, legendY);
            legendY += 18;
        }
        g.setStroke(new BasicStroke(1f));
    }

    private static boolean integral(List<Series> series) {
        for (Series s : series) {
            for (double v : s.x()) {
                if (v != Math.rint(v)) {
                    return false;
                }
            }
        }
        return true;
    }

    private static BasicStroke stroke(Series s) {
        return s.dashed() ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                new float[]{6f, 5f}, 0f) : new BasicStroke(2.5f);
    }

    /** A tick spacing of 1, 2 or 5 times a power of ten, close to {@code raw}. */
    static double niceStep(double raw) {
        if (!(raw > 0) || !Double.isFinite(raw)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double f = raw / p;
        return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
    }

    /** The multiples of {@code step} within {@code [min, max]}. */
    static List<Double> ticks(double min, double max, double step) {
        List<Double> out = new java.util.ArrayList<>();
        for (long k = (long) Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9 && out.size() < 50; k++) {
            out.add(k * step);
        }
        return out;
    }

    /** A tick label with as many decimals as the spacing needs; {@code percent}: a fraction shown as a percentage. */
    static String format(double v, double step, boolean percent) {
        double scale = percent ? 100 : 1;
        int decimals = Math.max(0, (int) Math.ceil(-Math.log10(step * scale) - 1e-9));
        String s = String.format(Locale.ROOT, "%." + decimals + "f", v * scale);
        if (s.matches("-0(\\.0*)?")) {
            s = s.substring(1);
        }
        return percent ? s + "%" : s;
    }
}
