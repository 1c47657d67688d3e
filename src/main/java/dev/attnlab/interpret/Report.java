package dev.attnlab.interpret;

import dev.attnlab.model.ModelConfig;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static dev.attnlab.interpret.AttentionViewer.escape;

/** {@code report.html}: one self-contained page (images as data URIs, inline viewer) with short explanations. */
final class Report {

    private static final int ROWS_PER_TABLE = 10;

    private Report() {
    }

    static void write(Path file, String runName, Interpretation.Results r) throws IOException {
        ModelConfig c = r.cfg();
        HeadScores s = r.scores();
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>attnlab report — ")
                .append(escape(runName)).append("</title><style>").append(AttentionViewer.CSS).append(STYLE)
                .append("</style></head><body>\n");
        b.append("<h1>What the attention heads of <code>").append(escape(runName)).append("</code> do</h1>\n");
        b.append(String.format(Locale.ROOT, "<p class=\"meta\">%d layer(s) × %d head(s), d_model %d, d_head %d, n_ctx %d, "
                        + "vocabulary %,d, positional %s, norm %s, MLP %s.</p>\n", c.nLayers(), c.nHeads(), c.dModel(),
                c.dHead(), c.nCtx(), c.dVocab(), c.positional(), c.norm(), c.mlp()));

        // summary
        int[] ind = s.argMax(s.induction());
        int[] prev = s.argMax(s.prevToken());
        b.append("<div class=\"summary\"><b>Summary.</b> Strongest induction head: <b>")
                .append(HeadScores.head(ind[0], ind[1])).append(String.format(Locale.ROOT, "</b> (%.2f). ", s.induction()[ind[0]][ind[1]]))
                .append("Strongest previous-token head: <b>").append(HeadScores.head(prev[0], prev[1]))
                .append(String.format(Locale.ROOT, "</b> (%.2f). ", s.prevToken()[prev[0]][prev[1]]));
        if (r.ablation() != null) {
            Ablation.Row worst = r.ablation().rows().stream().filter(x -> x.kind() == Ablation.Kind.MEAN)
                    .max((x, y) -> Double.compare(x.inductionDelta(), y.inductionDelta())).orElseThrow();
            b.append(String.format(Locale.ROOT, "Mean-ablating <b>%s</b> raises the repeated-half loss most (+%.3f nats, clean %.3f).",
                    HeadScores.head(worst.layer(), worst.head()), worst.inductionDelta(), r.ablation().cleanInductionLoss()));
        }
        b.append("</div>\n");

        // head scores
        b.append("<h2>Head scores</h2>\n<p>Measured on ").append(HeadScores.DEFAULT_SEQUENCES)
                .append(" sequences of ").append(r.blockLen()).append(" random tokens repeated twice. Each score is the mean attention ")
                .append("mass a query puts on its target key: <i>previous-token</i> — the key just before it; <i>duplicate-token</i> — earlier ")
                .append("keys holding the same token; <i>induction</i> — keys right after an earlier occurrence of the query's token ")
                .append("(the stripe an induction head attends to). 1 = a perfect head of that kind. <i>OV copying</i> is the share of positive ")
                .append("eigenvalue mass of the full OV circuit W<sub>E</sub>W<sub>V</sub>W<sub>O</sub>W<sub>U</sub> (1 = it raises the logit of the token it attends to); ")
                .append("<i>OV self top-1</i> is the fraction of tokens whose own logit that circuit raises most.</p>\n");
        b.append("<img alt=\"head scores\" src=\"").append(Heatmaps.dataUri(r.scoresPng())).append("\">\n");
        b.append("<table><tr><th>head</th><th>previous-token</th><th>duplicate-token</th><th>induction</th><th>OV copying</th>"
                + "<th>OV self top-1</th>");
        if (r.ablation() != null) {
            b.append("<th>Δ val loss (zero / mean)</th><th>Δ repeated-half loss (zero / mean)</th>");
        }
        b.append("</tr>\n");
        for (Circuits.Head h : r.circuits()) {
            int l = h.layer();
            int hd = h.head();
            b.append("<tr><td>").append(HeadScores.head(l, hd)).append("</td>")
                    .append(cell(s.prevToken()[l][hd])).append(cell(s.duplicateToken()[l][hd])).append(cell(s.induction()[l][hd]))
                    .append(cell(h.copying().positiveShare())).append(cell(h.ovSelfTop1()));
            if (r.ablation() != null) {
                Ablation.Row z = r.ablation().row(l, hd, Ablation.Kind.ZERO);
                Ablation.Row m = r.ablation().row(l, hd, Ablation.Kind.MEAN);
                b.append(String.format(Locale.ROOT, "<td>%+.3f / %+.3f</td><td>%+.3f / %+.3f</td>",
                        z.valDelta(), m.valDelta(), z.inductionDelta(), m.inductionDelta()));
            }
            b.append("</tr>\n");
        }
        b.append("</table>\n");

        // attention
        b.append("<h2>Attention patterns</h2>\n<p>Rows are queries (the token doing the attending), columns are keys. ")
                .append("A previous-token head shows a sub-diagonal; an induction head on the repeated random tokens shows a stripe ")
                .append("one position right of the block-length off-diagonal. Use the viewer to inspect one head at a time.</p>\n");
        b.append(AttentionViewer.fragment("report-viewer", r.sequences())).append('\n');
        for (Map.Entry<String, List<Path>> e : r.attentionPngs().entrySet()) {
            b.append("<h3>").append(escape(e.getKey())).append("</h3>\n");
            for (Path p : e.getValue()) {
                b.append("<img class=\"attn\" alt=\"").append(escape(e.getKey())).append("\" src=\"").append(Heatmaps.dataUri(p)).append("\">\n");
            }
        }

        // circuits
        TokenText t = r.text();
        b.append("<h2>Circuits</h2>\n<p>Token-level circuits read from the weights alone (positional embeddings, biases and ")
                .append("composition through earlier layers are left out). The full <b>OV circuit</b> W<sub>E</sub>W<sub>V</sub>W<sub>O</sub>W<sub>U</sub> ")
                .append("says which logit a head raises when it attends to a token; the full <b>QK circuit</b> W<sub>E</sub>W<sub>Q</sub>W<sub>K</sub><sup>T</sup>W<sub>E</sub><sup>T</sup>/√d<sub>head</sub> ")
                .append("says how much a query token wants to attend to a key token. Both are vocabulary × vocabulary; the tables show their largest entries.</p>\n");
        b.append("<div class=\"grid\">");
        for (Circuits.Head h : r.circuits()) {
            b.append("<div><h3>").append(HeadScores.head(h.layer(), h.head())).append("</h3>");
            b.append(topTable("OV: attend to → raises", h.ov(), t));
            b.append(topTable("QK: query → key", h.qk(), t));
            b.append("</div>");
        }
        b.append("</div>\n");
        b.append("<h3>Direct path W<sub>E</sub>W<sub>U</sub>: top bigrams</h3><p>What the embedding and unembedding alone predict ")
                .append("as the next token (the model's bigram statistics).</p>").append(topTable("current → next", r.directPath(), t));
        if (r.skipTrigrams() != null) {
            b.append("<h3>Skip-trigrams</h3><p>For a 1-layer model each head implements \"A … B → C\": a query B attends back to A ")
                    .append("(largest QK entries) and the head then raises C, the logit A's OV row raises most.</p>")
                    .append("<table><tr><th>head</th><th>A (key)</th><th>B (query)</th><th>C (raised)</th><th>QK</th><th>OV</th></tr>");
            r.skipTrigrams().stream().limit(3L * ROWS_PER_TABLE).forEach(x -> b.append(String.format(Locale.ROOT,
                    "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%.3f</td><td>%.3f</td></tr>",
                    HeadScores.head(x.layer(), x.head()), tok(t, x.source()), tok(t, x.destination()), tok(t, x.output()), x.qk(), x.ov())));
            b.append("</table>\n");
        }
        if (r.composition() != null) {
            Composition.Table ct = r.composition();
            b.append(String.format(Locale.ROOT, "<h3>Composition scores</h3><p>How much a later head reads what an earlier head writes: "
                    + "‖W<sub>A</sub>W<sub>B</sub>‖<sub>F</sub> / (‖W<sub>A</sub>‖<sub>F</sub>‖W<sub>B</sub>‖<sub>F</sub>) with W<sub>A</sub> the earlier head's W<sub>OV</sub> and W<sub>B</sub> the later head's W<sub>QK</sub> (Q), "
                    + "W<sub>QK</sub><sup>T</sup> (K) or W<sub>OV</sub> (V). Random matrices of the same shapes score %.3f ± %.3f; an induction head "
                    + "built on a previous-token head shows high K-composition.</p>", ct.randomBaseline(), ct.randomStd()));
            b.append("<table><tr><th>earlier head</th><th>later head</th><th>Q</th><th>K</th><th>V</th></tr>");
            for (int i = 0; i + 2 < ct.scores().size(); i += 3) {
                Composition.Score q = ct.scores().get(i);
                b.append("<tr><td>").append(HeadScores.head(q.layer1(), q.head1())).append("</td><td>")
                        .append(HeadScores.head(q.layer2(), q.head2())).append("</td>")
                        .append(compCell(q.score(), ct)).append(compCell(ct.scores().get(i + 1).score(), ct))
                        .append(compCell(ct.scores().get(i + 2).score(), ct)).append("</tr>");
            }
            b.append("</table>\n");
        }
        if (r.ablation() != null) {
            b.append(String.format(Locale.ROOT, "<h2>Ablation</h2><p>Each head's output (hook_z) replaced by zeros or by its mean over "
                    + "the data set; the change in loss on validation rows (clean %.4f) and on the repeated half of repeated random tokens "
                    + "(clean %.4f) is in the head table above and in <code>ablation.csv</code>. A head whose removal raises the "
                    + "repeated-half loss a lot is needed for in-context copying.</p>\n",
                    r.ablation().cleanValLoss(), r.ablation().cleanInductionLoss()));
        }
        b.append("<h2>Files</h2><p><code>head_scores.csv</code>, <code>ov_copying.csv</code>, <code>ov_circuit_top.csv</code>, ")
                .append("<code>qk_circuit_top.csv</code>, <code>direct_path_bigrams.csv</code>, ")
                .append(r.skipTrigrams() != null ? "<code>skip_trigrams.csv</code>, " : "<code>composition.csv</code>, ")
                .append(r.ablation() != null ? "<code>ablation.csv</code>, " : "")
                .append("<code>attention/*.png</code> and <code>attention_viewer.html</code> in the interpret artifacts. ")
                .append("Timings (ms): ").append(escape(r.timingsMs().toString())).append(".</p>\n");
        b.append("</body></html>\n");
        Files.writeString(file, b.toString());
    }

    private static String tok(TokenText t, int id) {
        return "<code>" + escape(Heatmaps.shortLabel(t.label(id))) + "</code>";
    }

    private static String cell(double v) {
        if (Double.isNaN(v)) return "<td>n/a</td>";
        double x = Math.max(0, Math.min(1, v));
        return String.format(Locale.ROOT, "<td style=\"background:rgba(31,119,180,%.2f)%s\">%.3f</td>", x * 0.8,
                x > 0.6 ? ";color:#fff" : "", v);
    }

    private static String compCell(double v, Composition.Table t) {
        boolean high = v > t.randomBaseline() + 3 * t.randomStd();
        return String.format(Locale.ROOT, "<td%s>%.3f</td>", high ? " class=\"hi\"" : "", v);
    }

    private static String topTable(String title, VocabTopK.Result r, TokenText t) {
        StringBuilder b = new StringBuilder("<table class=\"small\"><tr><th colspan=\"3\">").append(escape(title)).append("</th></tr>");
        for (int i = 0; i < Math.min(ROWS_PER_TABLE, r.size()); i++) {
            b.append(String.format(Locale.ROOT, "<tr><td>%s</td><td>%s</td><td>%.3f</td></tr>",
                    tok(t, r.rows()[i]), tok(t, r.cols()[i]), r.values()[i]));
        }
        return b.append("</table>").toString();
    }

    private static final String STYLE = """
            h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
            .meta{color:#555}
            .summary{background:#f5f8fc;border-left:4px solid #1f77b4;padding:10px 14px;margin:14px 0}
            table{border-collapse:collapse;margin:8px 0 16px 0;font-size:13px}
            th,td{border:1px solid #ddd;padding:3px 8px;text-align:right}
            th{background:#f3f3f3}
            td.hi{background:#ffe8cc;font-weight:bold}
            table.small{display:inline-table;margin-right:12px;vertical-align:top}
            .grid{display:flex;flex-wrap:wrap;gap:10px}
            img{max-width:100%;border:1px solid #eee;margin:6px 0}
            """;
}
