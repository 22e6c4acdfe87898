package dev.sinklora.eval;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;

/**
 * The passkey heat map as PNG bytes, drawn headless with java.awt: one column per length, one row per depth bucket
 * (shallowest at the top), each cell coloured from red (accuracy 0) through yellow to green (1) and labelled with
 * its accuracy and correct/trials; grey for a cell without trials. The image is wide enough for its title.
 */
public final class PasskeyHeatMap {

    /** Cell size and margins, in pixels (tests find cells by these). */
    public static final int CELL_W = 90;
    public static final int CELL_H = 40;
    public static final int LEFT = 110;
    public static final int TOP = 60;
    private static final int RIGHT = 20;
    private static final int BOTTOM = 60;

    /** The grey of a cell without trials. */
    public static final Color EMPTY = new Color(0xBBBBBB);

    private PasskeyHeatMap() {
    }

    public static byte[] png(PasskeyReport report, String title) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int cols = report.lengths().size();
        int rows = report.buckets().count();
        int w = LEFT + cols * CELL_W + RIGHT;
        int h = TOP + rows * CELL_H + BOTTOM;
        Font titleFont = new Font(Font.SANS_SERIF, Font.BOLD, 14);
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        int titleWidth = probe.createGraphics().getFontMetrics(titleFont).stringWidth(title);
        BufferedImage img = new BufferedImage(Math.max(Math.max(w, 360), titleWidth + 20), h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), h);
        g.setColor(Color.BLACK);
        g.setFont(titleFont);
        g.drawString(title, 10, 22);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("key depth", 10, TOP - 8);
        g.drawString("context length (tokens)", LEFT, h - 12);
        FontMetrics fm = g.getFontMetrics();
        for (int c = 0; c < cols; c++) {
            int len = report.lengths().get(c);
            for (int r = 0; r < rows; r++) {
                int x = LEFT + c * CELL_W;
                int y = TOP + r * CELL_H;
                PasskeyReport.Cell cell = report.cell(len, r);
                g.setColor(cell.trials() == 0 ? EMPTY : color(cell.accuracy()));
                g.fillRect(x, y, CELL_W, CELL_H);
                g.setColor(Color.WHITE);
                g.drawRect(x, y, CELL_W, CELL_H);
                String label = cell.trials() == 0 ? "n/a"
                        : String.format(Locale.ROOT, "%.0f%% (%d/%d)", 100 * cell.accuracy(), cell.correct(),
                        cell.trials());
                g.setColor(Color.BLACK);
                g.drawString(label, x + (CELL_W - fm.stringWidth(label)) / 2, y + CELL_H / 2 + 5);
            }
            String name = Integer.toString(len);
            g.drawString(name, LEFT + c * CELL_W + (CELL_W - fm.stringWidth(name)) / 2, TOP + rows * CELL_H + 18);
        }
        for (int r = 0; r < rows; r++) {
            g.drawString(report.buckets().label(r), 10, TOP + r * CELL_H + CELL_H / 2 + 5);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    /** Red (0) to yellow (0.5) to green (1). */
    public static Color color(double accuracy) {
        double a = Math.max(0, Math.min(1, accuracy));
        int red = (int) Math.round(a < 0.5 ? 230 : 230 * (1 - a) * 2);
        int green = (int) Math.round(a < 0.5 ? 200 * a * 2 : 200);
        return new Color(red, green, 60);
    }
}
