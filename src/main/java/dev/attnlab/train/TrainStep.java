package dev.attnlab.train;

import dev.attnlab.model.HookedModel;
import dev.attnlab.model.Kernels;
import dev.attnlab.model.Transformer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * One optimisation step (forward, loss, backward, clipping, AdamW) and one evaluation batch. Every
 * temporary lives in a workspace that is reused step after step: no per-step native allocation,
 * so resident memory stays flat (ND4J's GC-driven freeing otherwise lets it grow).
 */
public final class TrainStep {

    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
            .initialSize(0)
            .policyAllocation(AllocationPolicy.OVERALLOCATE)
            .overallocationLimit(0.1)
            .policyLearning(LearningPolicy.FIRST_LOOP)
            .policyReset(ResetPolicy.BLOCK_LEFT)
            .policySpill(SpillPolicy.REALLOCATE)
            .build();
    private static final String WORKSPACE_ID = "attnlab-train-step";

    private final Transformer model;
    private final AdamW optimizer;
    private final double gradClip;
    private final int padId;

    public record Result(double loss, double gradNorm) { }

    public TrainStep(Transformer model, AdamW optimizer, double gradClip, int padId) {
        this.model = model;
        this.optimizer = optimizer;
        this.gradClip = gradClip;
        this.padId = padId;
    }

    /** Trains on {@code batch} rows of {@code rowLen} tokens laid out back to back. */
    public Result step(int[] rows, int batch, int rowLen, double lr) {
        int t = rowLen - 1;
        int[] in = new int[batch * t], target = new int[batch * t];
        split(rows, batch, rowLen, in, target);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            Transformer.Activations acts = model.forward(in, batch, t, false, HookedModel.HookEditor.NONE);
            double loss = Transformer.crossEntropy(acts.logits(), target, padId, true).mean();
            Map<String, INDArray> grads = model.backward(acts, acts.logits());
            double sq = 0;
            for (INDArray g : grads.values()) sq += Kernels.sumSquares(g);
            double norm = Math.sqrt(sq);
            // as torch.nn.utils.clip_grad_norm_: scale by clip / (norm + 1e-6) when the norm exceeds clip
            double scale = gradClip > 0 && norm > gradClip ? gradClip / (norm + 1e-6) : 1.0;
            optimizer.update(model.parameters(), grads, lr, scale);
            return new Result(loss, norm);
        }
    }

    /** Summed loss and target count of {@code batch} rows (no gradient). */
    public Transformer.CrossEntropy evaluate(int[] rows, int batch, int rowLen) {
        int t = rowLen - 1;
        int[] in = new int[batch * t], target = new int[batch * t];
        split(rows, batch, rowLen, in, target);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            Transformer.Activations acts = model.forward(in, batch, t, false, HookedModel.HookEditor.NONE);
            return Transformer.crossEntropy(acts.logits(), target, padId, false);
        }
    }

    private static void split(int[] rows, int batch, int rowLen, int[] in, int[] target) {
        int t = rowLen - 1;
        for (int b = 0; b < batch; b++) {
            System.arraycopy(rows, b * rowLen, in, b * t, t);
            System.arraycopy(rows, b * rowLen + 1, target, b * t, t);
        }
    }
}
