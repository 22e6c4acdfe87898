package dev.sinklora.prep.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Progress lines on the driver for long jobs: per stage, "N/M tasks done" at most every
 * {@code intervalMs}, and a line when a stage ends. Stage names are the job descriptions the jobs
 * set ("prep-corpus: tokenize", ...).
 */
public final class ProgressListener extends SparkListener {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressListener.class);
    private final String job;
    private final long intervalMs;
    private final ConcurrentHashMap<Integer, int[]> stages = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Integer, String> names = new ConcurrentHashMap<>();
    private volatile long lastLogAt = System.currentTimeMillis();

    public ProgressListener(String job, long intervalMs) {
        this.job = job;
        this.intervalMs = intervalMs;
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted e) {
        String desc = e.properties() == null ? null : e.properties().getProperty("spark.job.description");
        names.put(e.stageInfo().stageId(), desc != null ? desc : job + ": " + e.stageInfo().name());
        stages.put(e.stageInfo().stageId(), new int[]{0, e.stageInfo().numTasks()});
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
        int[] s = stages.get(e.stageId());
        if (s == null) {
            return;
        }
        synchronized (s) {
            s[0]++;
        }
        long now = System.currentTimeMillis();
        if (now - lastLogAt >= intervalMs) {
            lastLogAt = now;
            LOG.info("{} (stage {}): {}/{} tasks done", names.get(e.stageId()), e.stageId(), s[0], s[1]);
        }
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted e) {
        int id = e.stageInfo().stageId();
        int[] s = stages.remove(id);
        String name = names.remove(id);
        if (s != null && s[1] > 1) {
            LOG.info("{} (stage {}): done, {} tasks", name, id, s[1]);
        }
    }
}
