package dev.sinklora.train;

/** The loss became NaN or infinite; training stopped and the last good checkpoint was kept. */
public class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
