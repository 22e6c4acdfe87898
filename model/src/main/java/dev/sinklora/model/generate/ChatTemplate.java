package dev.sinklora.model.generate;

/**
 * The Llama-2-chat prompt format for one user turn: {@code [INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST]}
 * (the system block only when given; BOS comes from the tokenizer).
 */
public final class ChatTemplate {

    private ChatTemplate() {
    }

    public static String llama2(String system, String user) {
        StringBuilder sb = new StringBuilder("[INST] ");
        if (system != null && !system.isBlank()) {
            sb.append("<<SYS>>\n").append(system.strip()).append("\n<</SYS>>\n\n");
        }
        return sb.append(user.strip()).append(" [/INST]").toString();
    }
}
