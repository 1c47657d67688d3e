package dev.attnlab.interpret;

/**
 * The run's tokenizer as interpret needs it: prompt text to ids, ids to display labels.
 * {@link #ids(int)} serves tokenizer {@code none}, where a prompt is whitespace-separated ids.
 */
public interface RunTokenizer extends TokenText {

    int[] encode(String prompt);

    /** Tokenizer {@code none}: prompts are whitespace-separated ids below {@code vocab}. */
    static RunTokenizer ids(int vocab) {
        return new RunTokenizer() {
            @Override
            public int[] encode(String prompt) {
                String[] parts = prompt.trim().split("\\s+");
                int[] out = new int[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    try {
                        out[i] = Integer.parseInt(parts[i]);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("'" + parts[i] + "' is not a token id: with tokenizer.kind "
                                + "none, interpret.prompts are whitespace-separated ids like \"5 17 3 5 17\"");
                    }
                    if (out[i] < 0 || out[i] >= vocab) {
                        throw new IllegalArgumentException("token id " + out[i] + " in interpret.prompts is outside "
                                + "the vocabulary 0.." + (vocab - 1));
                    }
                }
                return out;
            }

            @Override
            public String label(int id) {
                return Integer.toString(id);
            }
        };
    }
}
