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
        DataSpec data = new DataSpec(r.s("data.source"), r.s("data.dir"), r.s("data.path"),
                r.s("data.text_column"), r.s("data.encoding"), r.s("data.variant"), r.s("data.format"), r.l("data.max_lines"),
                r.l("data.max_documents"), r.s("data.split"), r.d("data.val_fraction"), r.b("data.download"),
                new DataSpec.Preprocess(r.b("data.preprocess.lowercase"), r.b("data.preprocess.strip_br"),
                        r.b("data.preprocess.space_before_punct")),
                new DataSpec.Synthetic(r.i("data.synthetic.vocab"),
                        r.i("data.synthetic.min_block_len") == 0 ? r.i("data.synthetic.block_len") : r.i("data.synthetic.min_block_len"),
                        r.i("data.synthetic.block_len"),
                        r.i("data.synthetic.repeats"), r.i("data.synthetic.max_prefix"),
                        r.i("data.synthetic.train_sequences"), r.i("data.synthetic.val_sequences"),
                        r.i("data.synthetic.test_sequences")));
        TokenizerSpec tokenizer = new TokenizerSpec(r.s("tokenizer.kind"), r.s("tokenizer.vocab"),
                r.s("tokenizer.packing"), r.b("tokenizer.special_tokens"));
        ModelSpec model = new ModelSpec(r.i("model.n_layers"), r.i("model.d_model"), r.i("model.n_heads"),
                r.i("model.d_head"), r.i("model.n_ctx"), r.s("model.positional"), r.s("model.norm"),
                r.s("model.mlp"), r.i("model.d_mlp"), r.b("model.residual"), r.b("model.share_layer_weights"),
                r.b("model.attn_bias"), r.b("model.unembed_bias"), r.d("model.init_scale"));
        TrainSpec train = new TrainSpec(r.d("train.lr"), r.d("train.beta1"), r.d("train.beta2"), r.d("train.eps"),
                r.d("train.weight_decay"), r.b("train.decay_embeddings"), r.b("train.decay_biases"),
                r.s("train.schedule"), r.i("train.warmup_steps"), r.d("train.min_lr_ratio"), r.d("train.grad_clip"),
                r.i("train.batch_size"), r.l("train.steps"), r.d("train.epochs"), r.i("train.eval_every"),
                r.i("train.eval_batches"), r.i("train.checkpoint_every"), r.s("train.resume"),
                r.i("train.log_every"), r.i("train.threads"));
        EvaluateSpec evaluate = new EvaluateSpec(r.i("evaluate.max_batches"), r.i("evaluate.icl_early"),
                r.i("evaluate.icl_late"), r.i("evaluate.induction_block_len"), r.i("evaluate.induction_batches"));
        @SuppressWarnings("unchecked")
        List<String> prompts = (List<String>) SpecLoader.get(resolved, "interpret.prompts");
        InterpretSpec interpret = new InterpretSpec(r.b("interpret.enabled"), prompts, r.i("interpret.samples"),
                r.i("interpret.every"), r.i("interpret.top_k"), r.b("interpret.ablation"),
                r.i("interpret.vocab_chunk"), r.i("interpret.induction_block_len"));
        TrackingSpec tracking = new TrackingSpec(r.s("tracking.backend"), r.s("tracking.experiment"),
                r.s("tracking.run_name"));
        return new ExperimentSpec(r.s("name"), r.s("description"), r.s("pipeline"), r.l("seed"), data, tokenizer,
                model, train, evaluate, interpret, tracking, file, resolved);
    }

    private Object v(String path) {
        return SpecLoader.get(tree, path);
    }

    private String s(String path) { return (String) v(path); }

    private long l(String path) { return (Long) v(path); }

    private int i(String path) { return Math.toIntExact((Long) v(path)); }

    private double d(String path) { return (Double) v(path); }

    private boolean b(String path) { return (Boolean) v(path); }
}
