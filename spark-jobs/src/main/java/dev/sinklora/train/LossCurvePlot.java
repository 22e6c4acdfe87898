package dev.sinklora.train;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;

/** A small line plot (x = step, y = loss) rendered headless with java.awt into PNG bytes. */
public final class LossCurvePlot {

    private LossCurvePlot() {
    }

    public record Point(double x, double y) {
    }

    public static byte[] png(String title, String xLabel, String yLabel, List<Point> points) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 800, h = 480, left = 70, right = 20, top = 40, bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, left, 25);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawLine(left, h - bottom, w - right, h - bottom);
        g.drawLine(left, top, left, h - bottom);
        g.drawString(xLabel, w / 2, h - 12);
        g.drawString(yLabel, 8, top - 8);
        if (!points.isEmpty()) {
            double minX = points.stream().mapToDouble(Point::x).min().orElse(0);
            double maxX = points.stream().mapToDouble(Point::x).max().orElse(1);
            double minY = points.stream().mapToDouble(Point::y).filter(Double::isFinite).min().orElse(0);
            double maxY = points.stream().mapToDouble(Point::y).filter(Double::isFinite).max().orElse(1);
            if (maxX == minX) maxX = minX + 1;
            if (maxY == minY) maxY = minY + 1;
            for (int t = 0; t <= 4; t++) {
                double yv = minY + (maxY - minY) * t / 4;
                int py = h - bottom - (int) ((h - top - bottom) * t / 4.0);
                g.drawString(String.format("%.3f", yv), 5, py + 4);
                double xv = minX + (maxX - minX) * t / 4;
                int px = left + (int) ((w - left - right) * t / 4.0);
                g.drawString(String.format("%.0f", xv), px - 10, h - bottom + 16);
            }
            g.setColor(new Color(0x1f77b4));
            g.setStroke(new BasicStroke(2f));
            int prevX = -1, prevY = -1;
            for (Point p : points) {
                if (!Double.isFinite(p.y())) continue;
                int px = left + (int) ((p.x() - minX) / (maxX - minX) * (w - left - right));
                int py = h - bottom - (int) ((p.y() - minY) / (maxY - minY) * (h - top - bottom));
                if (prevX >= 0) g.drawLine(prevX, prevY, px, py);
                g.fillOval(px - 2, py - 2, 5, 5);
                prevX = px;
                prevY = py;
            }
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }
}
