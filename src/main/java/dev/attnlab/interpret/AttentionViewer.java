package dev.attnlab.interpret;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A self-contained interactive attention viewer: inline CSS and JavaScript, the patterns embedded
 * as JSON, no network access and no browser storage (so it works offline and inside MLflow's
 * sandboxed artifact iframe). Choose sequence, layer and head; hover a token to see where it
 * attends (blue) and which later tokens attend to it (orange); hover the heatmap for exact values.
 */
public final class AttentionViewer {

    /** One sequence: its token labels and patterns [layer][head][query][key]. */
    public record Sequence(String name, String[] tokens, float[][][][] patterns) { }

    private AttentionViewer() {
    }

    public static void writePage(Path file, String title, List<Sequence> sequences) throws IOException {
        String html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<title>" + escape(title) + "</title><style>" + CSS + "</style></head><body>\n"
                + "<h1>" + escape(title) + "</h1>\n" + fragment("viewer", sequences) + "\n</body></html>\n";
        Files.writeString(file, html);
    }

    /** The viewer as a block to embed in another page ({@code id} must be unique in that page). */
    public static String fragment(String id, List<Sequence> sequences) throws JsonProcessingException {
        List<Map<String, Object>> seqs = new ArrayList<>();
        for (Sequence s : sequences) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("tokens", s.tokens());
            // attention in thousandths: a third of the size of decimal text
            int[][][][] milli = new int[s.patterns().length][][][];
            for (int l = 0; l < milli.length; l++) {
                milli[l] = new int[s.patterns()[l].length][][];
                for (int h = 0; h < milli[l].length; h++) {
                    float[][] p = s.patterns()[l][h];
                    milli[l][h] = new int[p.length][];
                    for (int q = 0; q < p.length; q++) {
                        milli[l][h][q] = new int[q + 1];
                        for (int k = 0; k <= q; k++) milli[l][h][q][k] = Math.round(p[q][k] * 1000);
                    }
                }
            }
            m.put("p", milli);
            seqs.add(m);
        }
        String json = new ObjectMapper().writeValueAsString(seqs).replace("</", "<\\/");
        return "<div class=\"attn-viewer\" id=\"" + id + "\"></div>\n<script>(function(){\n"
                + "var DATA=" + json + ";\nvar ROOT=document.getElementById('" + id + "');\n" + JS + "\n})();</script>";
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public static final String CSS = """
            body{font-family:system-ui,-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:20px;color:#222;max-width:1200px}
            .attn-viewer .controls{margin:8px 0 12px 0;display:flex;gap:14px;flex-wrap:wrap;align-items:center}
            .attn-viewer select{font-size:14px;padding:2px 4px}
            .attn-viewer .strip{line-height:2.1;margin:6px 0;padding:6px;border:1px solid #ddd;border-radius:4px}
            .attn-viewer .tok{padding:2px 3px;margin:1px;border-radius:3px;cursor:pointer;font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;white-space:pre;border:1px solid #eee}
            .attn-viewer .tok.sel{outline:2px solid #d62728}
            .attn-viewer .lbl{font-size:12px;color:#555;margin-top:8px}
            .attn-viewer .info{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:13px;min-height:1.4em;margin:6px 0}
            .attn-viewer canvas{border:1px solid #ccc;image-rendering:pixelated}
            """;

    static final String JS = """
            function el(tag,attrs,text){var e=document.createElement(tag);for(var k in attrs)e.setAttribute(k,attrs[k]);if(text!==undefined)e.textContent=text;return e;}
            function show(t){return t.replace(/\\n/g,'\\\\n').replace(/\\t/g,'\\\\t').replace(/ /g,'\\u00b7');}
            var state={s:0,l:0,h:0,tok:-1,locked:false};
            var controls=el('div',{'class':'controls'});
            function mkSelect(label,n,names,key){var w=el('label',{},label+' ');var s=el('select');for(var i=0;i<n;i++){s.appendChild(el('option',{value:i},names(i)));}
              s.onchange=function(){state[key]=+s.value;if(key==='s'){state.tok=-1;state.locked=false;}render();};w.appendChild(s);controls.appendChild(w);return s;}
            var nL=DATA[0].p.length,nH=DATA[0].p[0].length;
            // a link may preselect a view: #s=4&l=1&h=0&tok=12 (pins that token)
            try{location.hash.replace(/^#/,'').split('&').forEach(function(kv){var p=kv.split('='),v=parseInt(p[1],10);
              if(isNaN(v))return;if(p[0]==='s'&&v<DATA.length)state.s=v;if(p[0]==='l'&&v<DATA[0].p.length)state.l=v;
              if(p[0]==='h'&&v<DATA[0].p[0].length)state.h=v;if(p[0]==='tok'){state.tok=v;state.locked=true;}});}catch(e){}
            if(state.tok>=DATA[state.s].tokens.length){state.tok=-1;state.locked=false;}
            mkSelect('sequence',DATA.length,function(i){return DATA[i].name;},'s').value=state.s;
            mkSelect('layer',nL,function(i){return 'L'+i;},'l').value=state.l;
            mkSelect('head',nH,function(i){return 'H'+i;},'h').value=state.h;
            ROOT.appendChild(controls);
            ROOT.appendChild(el('div',{'class':'lbl'},'Hover a token (click to pin). Blue: where it attends (its row of the pattern). Orange: which tokens attend to it (its column).'));
            var to=el('div',{'class':'strip'});var from=el('div',{'class':'strip'});
            ROOT.appendChild(el('div',{'class':'lbl'},'attends to \\u2192'));ROOT.appendChild(to);
            ROOT.appendChild(el('div',{'class':'lbl'},'\\u2190 attended by'));ROOT.appendChild(from);
            var info=el('div',{'class':'info'});ROOT.appendChild(info);
            var canvas=el('canvas');ROOT.appendChild(canvas);
            function P(){return DATA[state.s].p[state.l][state.h];}
            function val(q,k){var p=P();return (k<=q)?p[q][k]/1000:0;}
            function strip(box,mode){box.innerHTML='';var toks=DATA[state.s].tokens;
              for(var i=0;i<toks.length;i++){(function(i){var sp=el('span',{'class':'tok'+(i===state.tok?' sel':'')},show(toks[i]));
                if(state.tok>=0){var v=mode==='to'?val(state.tok,i):val(i,state.tok);
                  sp.style.background=mode==='to'?'rgba(31,119,180,'+v+')':'rgba(255,127,14,'+v+')';
                  sp.title=(mode==='to'?'attention from '+state.tok+' to '+i:'attention from '+i+' to '+state.tok)+': '+v.toFixed(3);
                  if(v>0.6)sp.style.color='#fff';}
                sp.onmouseenter=function(){if(!state.locked){state.tok=i;render();}};
                sp.onclick=function(){state.locked=!(state.locked&&state.tok===i);state.tok=i;render();};
                box.appendChild(sp);})(i);}}
            function heat(){var toks=DATA[state.s].tokens,n=toks.length;var c=Math.max(4,Math.min(20,Math.floor(560/n)));
              canvas.width=n*c;canvas.height=n*c;var g=canvas.getContext('2d');
              for(var q=0;q<n;q++)for(var k=0;k<n;k++){if(k>q){g.fillStyle='#f4f4f4';}else{var v=val(q,k);
                g.fillStyle='rgb('+Math.round(255-v*247)+','+Math.round(255-v*207)+','+Math.round(255-v*148)+')';}
                g.fillRect(k*c,q*c,c,c);}
              if(state.tok>=0){g.strokeStyle='#d62728';g.lineWidth=2;g.strokeRect(0,state.tok*c,n*c,c);g.strokeStyle='#ff7f0e';g.strokeRect(state.tok*c,0,c,n*c);}
              canvas.onmousemove=function(ev){var r=canvas.getBoundingClientRect();var k=Math.floor((ev.clientX-r.left)/c),q=Math.floor((ev.clientY-r.top)/c);
                if(q>=0&&q<n&&k>=0&&k<n){info.textContent='L'+state.l+'H'+state.h+'  query '+q+' "'+show(toks[q])+'" \\u2192 key '+k+' "'+show(toks[k])+'": '+(k<=q?val(q,k).toFixed(3):'masked');}};}
            function render(){strip(to,'to');strip(from,'from');heat();
              if(state.tok>=0){var toks=DATA[state.s].tokens;var best=0;for(var k=0;k<=state.tok;k++)if(val(state.tok,k)>val(state.tok,best))best=k;
                info.textContent='L'+state.l+'H'+state.h+'  token '+state.tok+' "'+show(toks[state.tok])+'" attends most to '+best+' "'+show(toks[best])+'" ('+val(state.tok,best).toFixed(3)+')'+(state.locked?'  [pinned]':'');}
              else{info.textContent='L'+state.l+'H'+state.h+' — hover a token or the heatmap';}}
            render();
            """;
}
