package dev.sinklora.prep.spark;

import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;

/** Closes a task's resources (input stream, native tokenizer) when the task ends, even if it fails. */
public final class TaskResources {
    private TaskResources() {
    }

    /** Registers {@code resource} to be closed at task end; closing must be idempotent. */
    public static <T extends AutoCloseable> T closeAtTaskEnd(T resource) {
        TaskContext ctx = TaskContext.get();
        if (ctx != null) {
            ctx.addTaskCompletionListener((TaskCompletionListener) c -> close(resource));
        }
        return resource;
    }

    public static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("closing " + c + " failed: " + e.getMessage(), e);
        }
    }
}
