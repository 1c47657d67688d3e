package dev.attnlab.data;

import dev.attnlab.spec.DataSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The induction-head task: each sequence is a random prefix of random length (uniform in
 * 0..max_prefix), then a block of random tokens, of a length uniform in [min_block_len, block_len],
 * repeated {@code repeats} times. The random prefix moves the repeat's position; the random block
 * length varies the distance between copies — with a fixed distance even a 1-layer model can
 * predict the second copy from positions alone, without an induction head.
 * Tokens are drawn uniformly from 1..vocab-1; id 0 is reserved as the separator/pad id. Each split
 * has its own seeded stream (seed, split), so train/val/test never share a generator state.
 */
public final class SyntheticSource implements DocumentSource {

    public static final int RESERVED_ID = 0;

    private final DataSpec.Synthetic cfg;
    private final long seed;

    public SyntheticSource(DataSpec.Synthetic cfg, long seed) throws DataException {
        if (cfg.vocab() < 2) throw new DataException("data.synthetic.vocab must be at least 2, not " + cfg.vocab());
        if (cfg.blockLen() < 1) throw new DataException("data.synthetic.block_len must be at least 1, not " + cfg.blockLen());
        if (cfg.minBlockLen() < 1 || cfg.minBlockLen() > cfg.blockLen()) {
            throw new DataException("data.synthetic.min_block_len must be between 1 and block_len (" + cfg.blockLen()
                    + "), not " + cfg.minBlockLen() + " (0 in the spec means: fixed at block_len)");
        }
        if (cfg.repeats() < 1) throw new DataException("data.synthetic.repeats must be at least 1, not " + cfg.repeats());
        if (cfg.maxPrefix() < 0) throw new DataException("data.synthetic.max_prefix must be 0 or more, not " + cfg.maxPrefix());
        if (cfg.trainSequences() < 1) throw new DataException("data.synthetic.train_sequences must be at least 1");
        this.cfg = cfg;
        this.seed = seed;
    }

    @Override public String name() { return "synthetic"; }

    @Override public String variant() { return "repeated-random-tokens"; }

    @Override public List<String> splits() { return List.of("train", "val", "test"); }

    @Override public List<Path> files() { return List.of(); }

    private int count(String split) {
        return switch (split) {
            case "train" -> cfg.trainSequences();
            case "val" -> cfg.valSequences();
            case "test" -> cfg.testSequences();
            default -> throw new IllegalArgumentException(split);
        };
    }

    @Override
    public void read(String split, Consumer<Document> sink) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + split.hashCode());
        int n = count(split);
        for (int s = 0; s < n; s++) {
            int prefix = rng.nextInt(cfg.maxPrefix() + 1);
            // Drawn only when it varies, so fixed-length specs keep their exact sequences.
            int blockLen = cfg.minBlockLen() == cfg.blockLen() ? cfg.blockLen()
                    : rng.nextInt(cfg.minBlockLen(), cfg.blockLen() + 1);
            int[] ids = new int[prefix + blockLen * cfg.repeats()];
            for (int k = 0; k < prefix; k++) ids[k] = rng.nextInt(1, cfg.vocab());
            int[] block = new int[blockLen];
            for (int k = 0; k < block.length; k++) block[k] = rng.nextInt(1, cfg.vocab());
            for (int r = 0; r < cfg.repeats(); r++) System.arraycopy(block, 0, ids, prefix + r * block.length, block.length);
            sink.accept(Document.ids(ids, prefix));
        }
    }
}
