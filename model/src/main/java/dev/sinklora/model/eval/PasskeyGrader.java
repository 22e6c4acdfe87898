package dev.sinklora.model.eval;

/**
 * Exact-match grading of a passkey answer: the decoded answer, leading whitespace removed, must start with the
 * key's digits and not continue with another digit ({@code "12345."} passes for 12345; {@code "1234"},
 * {@code "123456"} and {@code " 54321"} do not).
 */
public final class PasskeyGrader {

    private PasskeyGrader() {
    }

    public static boolean correct(String decodedAnswer, int key) {
        return digits(decodedAnswer).equals(Integer.toString(key));
    }

    /** The run of digits the answer starts with (after whitespace); "" when it starts with something else. */
    public static String digits(String decodedAnswer) {
        String s = decodedAnswer.strip();
        int i = 0;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
            i++;
        }
        return s.substring(0, i);
    }
}
