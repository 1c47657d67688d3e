package dev.attnlab.spec;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Builds the immutable section records from a validated, resolved tree. */
final class SpecRecords {

    private final Map<String, Object> tree;

    private SpecRecords(Map<String, Object> tree) {
        this.tree = tree;
    }

    static ExperimentSpec build(Map<String, Object> resolved, Path file) {
        SpecRecords r = new SpecRecords(resolved);
        DataSpec data = new DataSpec(r.c(DataSpec.Source.class, "data.source"), r.s("data.dir"), r.s("data.path"),
                r.s("data.text_column"), r.s("data.encoding"), r.c(DataSpec.Variant.class, "data.variant"), r.c(DataSpec.Format.class, "data.format"), r.l("data.max_lines"),
                r.l("data.max_documents"), r.c(DataSpec.Split.class, "data.split"), r.d("data.val_fraction"), r.b("data.download"),
                new DataSpec.Preprocess(r.b("data.preprocess.lowercase"), r.b("data.preprocess.strip_br"),
                        r.b("data.preprocess.space_before_punct")),
                new DataSpec.Synthetic(r.i("data.synthetic.vocab"),
                        r.i("data.synthetic.min_block_len") == 0 ? r.i("data.synthetic.block_len") : r.i("data.synthetic.min_block_len"),
                        r.i("data.synthetic.block_len"),
                        r.i("data.synthetic.repeats"), r.i("data.synthetic.max_prefix"),
                        r.i("data.synthetic.train_sequences"), r.i("data.synthetic.val_sequences"),
                        r.i("data.synthetic.test_sequences")));
        TokenizerSpec tokenizer = new TokenizerSpec(r.c(TokenizerSpec.Kind.class, "tokenizer.kind"), r.s("tokenizer.vocab"),
                r.c(TokenizerSpec.Packing.class, "tokenizer.packing"), r.b("tokenizer.special_tokens"));
        ModelSpec model = new ModelSpec(r.i("model.n_layers"), r.i("model.d_model"), r.i("model.n_heads"),
                r.i("model.d_head"), r.i("model.n_ctx"), r.c(ModelSpec.Positional.class, "model.positional"),
                r.c(ModelSpec.Norm.class, "model.norm"), r.c(ModelSpec.Mlp.class, "model.mlp"), r.i("model.d_mlp"), r.b("model.residual"), r.b("model.share_layer_weights"),
                r.b("model.attn_bias"), r.b("model.unembed_bias"), r.d("model.init_scale"));
        TrainSpec train = new TrainSpec(r.d("train.lr"), r.d("train.beta1"), r.d("train.beta2"), r.d("train.eps"),
                r.d("train.weight_decay"), r.b("train.decay_embeddings"), r.b("train.decay_biases"),
                r.c(TrainSpec.Schedule.class, "train.schedule"), r.i("train.warmup_steps"), r.d("train.min_lr_ratio"), r.d("train.grad_clip"),
                r.i("train.batch_size"), r.l("train.steps"), r.d("train.epochs"), r.i("train.eval_every"),
                r.i("train.eval_batches"), r.i("train.checkpoint_every"), r.c(TrainSpec.Resume.class, "train.resume"),
                r.i("train.log_every"), r.i("train.threads"), r.s("train.init_from"));
        EvaluateSpec evaluate = new EvaluateSpec(r.i("evaluate.max_batches"), r.i("evaluate.icl_early"),
                r.i("evaluate.icl_late"), r.i("evaluate.induction_block_len"), r.i("evaluate.induction_batches"));
        @SuppressWarnings("unchecked")
        List<String> prompts = (List<String>) SpecLoader.get(resolved, "interpret.prompts");
        InterpretSpec interpret = new InterpretSpec(r.b("interpret.enabled"), prompts, r.i("interpret.samples"),
                r.i("interpret.every"), r.i("interpret.top_k"), r.b("interpret.ablation"),
                r.i("interpret.vocab_chunk"), r.i("interpret.induction_block_len"));
        TrackingSpec tracking = new TrackingSpec(r.c(TrackingSpec.Backend.class, "tracking.backend"), r.s("tracking.experiment"),
                r.s("tracking.run_name"));
        return new ExperimentSpec(r.s("name"), r.s("description"), r.s("pipeline"), r.l("seed"), data, tokenizer,
                model, train, evaluate, interpret, tracking, file, resolved);
    }

    private Object v(String path) {
        return SpecLoader.get(tree, path);
    }

    private String s(String path) { return (String) v(path); }

    private <E extends Enum<E> & SpecChoice> E c(Class<E> type, String path) { return SpecChoice.of(type, s(path)); }

    private long l(String path) { return (Long) v(path); }

    private int i(String path) { return Math.toIntExact((Long) v(path)); }

    private double d(String path) { return (Double) v(path); }

    private boolean b(String path) { return (Boolean) v(path); }
}
