package dev.sinklora.train.config;

import dev.sinklora.model.BadInputException;

/** The one check the config records share: a false condition is a user error with a one-line message. */
final class Require {

    private Require() {
    }

    static void that(boolean ok, String message) {
        if (!ok) {
            throw new BadInputException(message);
        }
    }
}
