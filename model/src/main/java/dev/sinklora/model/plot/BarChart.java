package dev.sinklora.model.plot;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Grouped bar charts with java.awt (headless), as PNG: per group one bar per series present, each with an optional
 * error bar and its value printed above it, optional dashed horizontal reference lines, a legend of the series. Values
 * are fractions printed as percentages.
 */
public final class BarChart {

    private BarChart() {
    }

    /** One bar; {@code error} is the half-length of its error bar (NaN: none). */
    public record Bar(String series, double value, double error, Color color) {
    }

    /** Bars side by side under one label (lines separated by {@code \n}; the second and later in grey). */
    public record Group(String label, List<Bar> bars) {
    }

    /** A dashed horizontal line at {@code value}, labelled at its right end. */
    public record Reference(String label, double value) {
    }

    private static final int BAR_W = 44;
    private static final int GROUP_GAP = 36;
    private static final int LEFT = 80;
    private static final int RIGHT = 190;
    private static final int TOP = 56;
    private static final int BOTTOM = 84;
    private static final int PLOT_H = 360;

    public static byte[] png(String title, String yLabel, List<Group> groups, List<Reference> references)
            throws IOException {
        System.setProperty("java.awt.headless", "true");
        int bars = groups.stream().mapToInt(g -> slots(g)).sum();
        int pw = bars * BAR_W + (groups.size() + 1) * GROUP_GAP;
        int w = Math.max(640, LEFT + pw + RIGHT);
        int h = TOP + PLOT_H + BOTTOM;
        double lo = 0;
        double hi = 1;
        for (Group g : groups) {
            for (Bar b : g.bars()) {
                double e = Double.isFinite(b.error()) ? b.error() : 0;
                lo = Math.min(lo, b.value() - e);
                hi = Math.max(hi, b.value() + e);
            }
        }
        for (Reference r : references) {
            lo = Math.min(lo, r.value());
            hi = Math.max(hi, r.value());
        }
        double step = niceStep((hi - lo) / 6);
        lo = Math.floor(lo / step) * step;
        hi = Math.ceil(hi * 1.08 / step) * step;

        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, 12, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        Scale y = new Scale(lo, hi);

        // grid and axis labels
        for (double v = lo; v <= hi + step / 2; v += step) {
            int py = y.px(v);
            g.setColor(Math.abs(v) < step / 2 ? Color.GRAY : new Color(230, 230, 230));
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.setColor(Color.BLACK);
            String label = pct(v);
            g.drawString(label, LEFT - 8 - fm.stringWidth(label), py + 4);
        }
        g.drawRect(LEFT, TOP, pw, PLOT_H);
        Graphics2D r = (Graphics2D) g.create();
        r.rotate(-Math.PI / 2);
        r.drawString(yLabel, -(TOP + PLOT_H / 2 + fm.stringWidth(yLabel) / 2), 18);
        r.dispose();

        // bars
        Map<String, Color> legend = new LinkedHashMap<>();
        int x = LEFT + GROUP_GAP;
        for (Group grp : groups) {
            int gx = x;
            x += (slots(grp) - grp.bars().size()) * BAR_W / 2;
            for (Bar b : grp.bars()) {
                legend.putIfAbsent(b.series(), b.color());
                int top = y.px(Math.max(0, b.value()));
                int bottom = y.px(Math.min(0, b.value()));
                g.setColor(b.color());
                g.fillRect(x + 3, top, BAR_W - 6, Math.max(1, bottom - top));
                g.setColor(Color.BLACK);
                int cx = x + BAR_W / 2;
                int labelY = top - 6;
                if (Double.isFinite(b.error()) && b.error() > 0) {
                    int e1 = y.px(b.value() + b.error());
                    int e0 = y.px(b.value() - b.error());
                    g.setStroke(new BasicStroke(1.5f));
                    g.drawLine(cx, e1, cx, e0);
                    g.drawLine(cx - 7, e1, cx + 7, e1);
                    g.drawLine(cx - 7, e0, cx + 7, e0);
                    g.setStroke(new BasicStroke(1f));
                    labelY = Math.min(labelY, e1 - 6);
                }
                String v = pct(b.value());
                g.drawString(v, cx - fm.stringWidth(v) / 2, labelY);
                x += BAR_W;
            }
            x = gx + slots(grp) * BAR_W;
            String[] lines = grp.label().split("\n");
            for (int i = 0; i < lines.length; i++) {
                g.setColor(i == 0 ? Color.BLACK : Color.GRAY);
                g.drawString(lines[i], (gx + x) / 2 - fm.stringWidth(lines[i]) / 2, TOP + PLOT_H + 20 + 15 * i);
            }
            g.setColor(Color.BLACK);
            x += GROUP_GAP;
        }

        // reference lines
        g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[]{6f, 5f}, 0f));
        for (Reference ref : references) {
            int py = y.px(ref.value());
            g.setColor(Color.DARK_GRAY);
            g.drawLine(LEFT, py, LEFT + pw, py);
            g.drawString(ref.label(), LEFT + pw + 6, py + 4);
        }
        g.setStroke(new BasicStroke(1f));

        // legend, below the plot
        int lx = LEFT;
        int ly = TOP + PLOT_H + 62;
        for (Map.Entry<String, Color> e : legend.entrySet()) {
            g.setColor(e.getValue());
            g.fillRect(lx, ly - 10, 14, 12);
            g.setColor(Color.BLACK);
            g.drawString(e.getKey(), lx + 20, ly);
            lx += 20 + fm.stringWidth(e.getKey()) + 24;
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IOException("no PNG writer");
        }
        return out.toByteArray();
    }

    /** Bar widths a group takes: its bars, at least two (room for its label). */
    private static int slots(Group g) {
        return Math.max(2, g.bars().size());
    }

    /** Value to pixel row. */
    private record Scale(double lo, double hi) {
        int px(double v) {
            return TOP + PLOT_H - (int) Math.round(PLOT_H * (v - lo) / (hi - lo));
        }
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }
}
