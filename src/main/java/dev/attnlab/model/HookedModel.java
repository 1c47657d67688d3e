package dev.attnlab.model;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

/**
 * A trained model seen from evaluate and interpret: a forward pass that can return any activation
 * by its TransformerLens name, and the weights in TransformerLens's state-dict layout.
 *
 * <p>Hook names: {@code hook_embed}, {@code hook_pos_embed}, {@code blocks.{l}.hook_resid_pre},
 * {@code blocks.{l}.attn.hook_q|hook_k|hook_v} [batch, pos, n_heads, d_head],
 * {@code blocks.{l}.attn.hook_attn_scores|hook_pattern} [batch, n_heads, query_pos, key_pos],
 * {@code blocks.{l}.attn.hook_z} [batch, pos, n_heads, d_head],
 * {@code blocks.{l}.attn.hook_result} [batch, pos, n_heads, d_model],
 * {@code blocks.{l}.hook_resid_post} [batch, pos, d_model]; and {@code logits} [batch, pos, d_vocab].
 */
public interface HookedModel {

    ModelConfig cfg();

    /**
     * Runs tokens [batch, pos] (int or long) and returns {@code logits} plus every requested hook.
     * {@code editor} sees each hook's value as it is computed and may return a replacement that the
     * rest of the forward pass then uses (zero or mean ablation of a head edits {@code hook_z}).
     */
    Map<String, INDArray> run(INDArray tokens, Set<String> hooks, HookEditor editor);

    default Map<String, INDArray> run(INDArray tokens, Set<String> hooks) {
        return run(tokens, hooks, HookEditor.NONE);
    }

    /** Weights named and shaped as TransformerLens's HookedTransformer state dict (embed.W_E, ...). */
    Map<String, INDArray> stateDict();

    @FunctionalInterface
    interface HookEditor {
        INDArray edit(String hook, INDArray value);

        HookEditor NONE = (hook, value) -> value;
    }
}
