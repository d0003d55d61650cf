package io.paligemma4j.cli;

import io.paligemma4j.runtime.OutputFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.util.List;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code bench --plot}: the roofline chart. Log-log, arithmetic intensity (FLOP per byte of weights
 * read) against GFLOP/s; one ceiling per measured FMA peak (the kernels' width and the widest),
 * each the lower of that peak and bandwidth × intensity; each stage of each model a labelled point.
 */
final class RooflinePlot {
    /** A stage: its intensity and the rate it reached. */
    record Point(String label, double flopsPerByte, double flopsPerSecond) {}

    /** An FMA ceiling: its name (e.g. "256-bit FMA peak") and FLOP/s. */
    record Peak(String label, double flopsPerSecond) {}

    private RooflinePlot() {}

    /** A log axis ticked once per decade, labelled 0.1, 1, 10, … rather than 10^x. */
    private static LogAxis decades(String label) {
        LogAxis a = new LogAxis(label);
        a.setTickUnit(new NumberTickUnit(1.0));
        a.setNumberFormatOverride(new DecimalFormat("#,##0.###"));
        a.setMinorTickMarksVisible(true);
        return a;
    }

    static void write(Path png, String title, double bytesPerSecond, List<Peak> peaks, List<Point> points)
            throws IOException {
        XYSeriesCollection ceilings = new XYSeriesCollection();
        double lo = 0.1;
        double hi = 1e4;
        for (Peak p : peaks) {
            XYSeries s = new XYSeries(p.label() + String.format(" %.0f GFLOP/s; memory %.1f GB/s", p.flopsPerSecond() / 1e9,
                    bytesPerSecond / 1e9), false);
            double ridge = p.flopsPerSecond() / bytesPerSecond;
            s.add(lo, bytesPerSecond * lo / 1e9);
            s.add(ridge, p.flopsPerSecond() / 1e9);
            s.add(hi, p.flopsPerSecond() / 1e9);
            ceilings.addSeries(s);
        }
        XYSeriesCollection stages = new XYSeriesCollection();
        for (Point p : points) {
            XYSeries s = new XYSeries(String.format("%s %.1f GFLOP/s", p.label(), p.flopsPerSecond() / 1e9), false);
            s.add(p.flopsPerByte(), p.flopsPerSecond() / 1e9);
            stages.addSeries(s);
        }
        LogAxis x = decades("arithmetic intensity (FLOP per byte of weights)");
        x.setRange(lo, hi);
        LogAxis y = decades("GFLOP/s");
        double top = peaks.stream().mapToDouble(Peak::flopsPerSecond).max().orElse(1e9) / 1e9;
        y.setRange(bytesPerSecond * lo / 1e9 / 2, top * 3);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        Color[] ceilingColours = {new Color(0x1f77b4), new Color(0xd62728)};
        for (int i = 0; i < peaks.size(); i++) {
            lines.setSeriesPaint(i, ceilingColours[i % ceilingColours.length]);
            lines.setSeriesStroke(i, new BasicStroke(2f));
        }
        // Stages of two models sit close together: the legend names them, distinct shapes and colours.
        XYLineAndShapeRenderer dots = new XYLineAndShapeRenderer(false, true);
        for (int i = 0; i < points.size(); i++) {
            dots.setSeriesShape(i, new java.awt.geom.Ellipse2D.Double(-5, -5, 10, 10));
        }
        XYPlot plot = new XYPlot(ceilings, x, y, lines);
        plot.setDataset(1, stages);
        plot.setRenderer(1, dots);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        OutputFiles.write(png, "--plot", out -> ChartUtils.writeChartAsPNG(out, chart, 1000, 650));
    }
}
