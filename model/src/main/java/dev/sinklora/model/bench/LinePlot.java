package dev.sinklora.model.bench;

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

    /** A chart's title, axis labels and lines. */
    public record Panel(String title, String xLabel, String yLabel, List<Series> series) {
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

    private static void draw(Graphics2D g, Panel panel) {
        double xMin = Double.POSITIVE_INFINITY, xMax = Double.NEGATIVE_INFINITY;
        double yMin = Double.POSITIVE_INFINITY, yMax = Double.NEGATIVE_INFINITY;
        for (Series s : panel.series()) {
            for (double v : s.x()) {
                xMin = Math.min(xMin, v);
                xMax = Math.max(xMax, v);
            }
            for (double v : s.y()) {
                yMin = Math.min(yMin, v);
                yMax = Math.max(yMax, v);
            }
        }
        double pad = Math.max(1e-3, (yMax - yMin) * 0.1);
        yMin -= pad;
        yMax += pad;
        if (xMax == xMin) {
            xMax = xMin + 1;
        }
        int pw = W - LEFT - RIGHT;
        int ph = H - TOP - BOTTOM;
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(panel.title(), LEFT, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawRect(LEFT, TOP, pw, ph);
        for (int i = 0; i <= 5; i++) {
            double yv = yMin + (yMax - yMin) * i / 5;
            int y = TOP + ph - (int) Math.round(ph * (yv - yMin) / (yMax - yMin));
            g.setColor(new Color(230, 230, 230));
            g.drawLine(LEFT + 1, y, LEFT + pw - 1, y);
            g.setColor(Color.BLACK);
            g.drawString(String.format(Locale.ROOT, "%.3f", yv), 30, y + 4);
        }
        for (double xv : panel.series().get(0).x()) {
            int x = LEFT + (int) Math.round(pw * (xv - xMin) / (xMax - xMin));
            g.drawLine(x, TOP + ph, x, TOP + ph + 4);
            g.drawString(String.format(Locale.ROOT, "%.0f%%", xv * 100), x - 12, TOP + ph + 18);
        }
        g.drawString(panel.xLabel(), LEFT + pw / 2 - 60, H - 22);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(panel.yLabel(), -(TOP + ph / 2 + 50), 14);
        r.dispose();
        int legendY = TOP + 16;
        for (Series s : panel.series()) {
            g.setColor(s.color());
            g.setStroke(s.dashed() ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[]{6f, 5f}, 0f) : new BasicStroke(2.5f));
            int[] xs = new int[s.x().length];
            int[] ys = new int[s.y().length];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = LEFT + (int) Math.round(pw * (s.x()[i] - xMin) / (xMax - xMin));
                ys[i] = TOP + ph - (int) Math.round(ph * (s.y()[i] - yMin) / (yMax - yMin));
            }
            g.drawPolyline(xs, ys, xs.length);
            for (int i = 0; i < xs.length && !s.dashed(); i++) {
                g.fillOval(xs[i] - 4, ys[i] - 4, 8, 8);
            }
            g.drawLine(LEFT + pw - 150, legendY - 4, LEFT + pw - 120, legendY - 4);
            g.setColor(Color.BLACK);
            g.drawString(s.name(), LEFT + pw - 112, legendY);
            legendY += 18;
        }
        g.setStroke(new BasicStroke(1f));
    }
}
