package dev.sinklora.prep.sft;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptTemplateTest {
    @Test
    void llama2ChatIsLongLorasFormat() {
        assertEquals("[INST]What?[/INST]", PromptTemplate.LLAMA2_CHAT.prompt("What?", null, null));
        assertEquals("[INST]What?[/INST]", PromptTemplate.LLAMA2_CHAT.prompt("What?", "", null),
                "empty input counts as absent");
        String withInput = PromptTemplate.LLAMA2_CHAT.prompt("Summarize.", "The text.", null);
        assertEquals("[INST] <<SYS>>\n" + PromptTemplate.LLAMA2_SYSTEM_PROMPT + "<</SYS>> \n\n Summarize. \nThe text. [/INST]",
                withInput);
        assertTrue(PromptTemplate.LLAMA2_SYSTEM_PROMPT.startsWith("You are a helpful, respectful and honest assistant."));
        assertEquals("[INST] <<SYS>>\nBe brief.\n<</SYS>> \n\n Q \nI [/INST]",
                PromptTemplate.LLAMA2_CHAT.prompt("Q", "I", "Be brief.\n"));
    }

    @Test
    void alpacaAndPlain() {
        assertTrue(PromptTemplate.ALPACA.prompt("Do it.", "ctx", null)
                .endsWith("### Instruction:\nDo it.\n\n### Input:\nctx\n\n### Response:"));
        assertTrue(PromptTemplate.ALPACA.prompt("Do it.", null, null).endsWith("### Instruction:\nDo it.\n\n### Response:"));
        assertEquals("Q\nI\n", PromptTemplate.PLAIN.prompt("Q", "I", null));
        assertEquals("Q\n", PromptTemplate.PLAIN.prompt("Q", null, null));
        assertEquals(PromptTemplate.LLAMA2_CHAT, PromptTemplate.parse("llama2-chat"));
    }
}
