package dev.sinklora.model.samediff;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.autodiff.samediff.internal.InferenceSession;
import org.nd4j.autodiff.samediff.internal.memory.ArrayCacheMemoryMgr;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A SameDiff graph run as a function of its placeholders, for a piece of a bigger computation whose
 * backward pass is chained by hand (activation recomputation). Two kinds:
 * <ul>
 *   <li>{@link #vjp}: each output {@code y} gets an "upstream" placeholder {@code dy} (the gradient of the
 *       whole computation's loss with respect to {@code y}) and the piece's loss is {@code sum(y * dy)}, so
 *       {@link #gradients} is the vector-Jacobian product: d(total loss)/d(input) for the chosen inputs.</li>
 *   <li>{@link #loss}: the piece ends in a scalar loss of its own (the model's head).</li>
 * </ul>
 * Every run is scoped out of DL4J's workspaces; the session frees each intermediate array as soon as it is
 * no longer needed (no array cache), and placeholders are cleared after each run, so between runs the
 * graph holds no activations. Returned arrays belong to the caller. One instance per network copy; runs
 * from several threads each get their own session.
 */
public final class PieceGraph {

    private final SameDiff sd;
    private final List<String> outputs;
    private final List<String> wrt;

    private PieceGraph(SameDiff sd, List<String> outputs, List<String> wrt) {
        this.sd = sd;
        this.outputs = List.copyOf(outputs);
        this.wrt = List.copyOf(wrt);
        SameDiffs.silenceGradFunctionNoise();
        sd.createGradFunction(wrt.toArray(new String[0]));
    }

    /**
     * A piece differentiated through upstream gradients.
     *
     * @param upstream each output paired with its upstream placeholder (same shape)
     * @param wrt      names of the placeholders to differentiate with respect to
     */
    public static PieceGraph vjp(SameDiff sd, Map<SDVariable, SDVariable> upstream, List<String> wrt) {
        SDVariable loss = null;
        List<String> outs = new ArrayList<>();
        for (Map.Entry<SDVariable, SDVariable> e : upstream.entrySet()) {
            SDVariable term = e.getKey().mul(e.getValue()).sum();
            loss = loss == null ? term : loss.add(term);
            outs.add(e.getKey().name());
        }
        sd.setLossVariables(loss);
        return new PieceGraph(sd, outs, wrt);
    }

    /**
     * A piece ending in its own scalar {@code loss}.
     *
     * @param outputs other variables {@link #forward} may be asked for (e.g. logits)
     */
    public static PieceGraph loss(SameDiff sd, SDVariable loss, List<SDVariable> outputs, List<String> wrt) {
        sd.setLossVariables(loss);
        List<String> outs = new ArrayList<>();
        outs.add(loss.name());
        outputs.forEach(o -> outs.add(o.name()));
        return new PieceGraph(sd, outs, wrt);
    }

    /** The outputs' names (for a {@link #loss} piece, the loss first). */
    public List<String> outputs() {
        return outputs;
    }

    /** The requested outputs for the given placeholder values (upstream placeholders are not needed). */
    public Map<String, INDArray> forward(Map<String, INDArray> inputs, String... names) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            useFreeingSession(sd);
            return sd.output(inputs, names);
        } finally {
            clear();
        }
    }

    /** Gradients of the piece's loss with respect to {@code wrt}, keyed by placeholder name. */
    public Map<String, INDArray> gradients(Map<String, INDArray> inputs) {
        return lossAndGradients(inputs, List.of()).getGradients();
    }

    /** {@code outputNames} (e.g. the loss) and the gradients with respect to {@code wrt}, from one run. */
    public OutAndGrad lossAndGradients(Map<String, INDArray> inputs, List<String> outputNames) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            useFreeingSession(sd.getFunction("grad"));
            return sd.calculateGradientsAndOutputs(inputs, outputNames, wrt);
        } finally {
            clear();
        }
    }

    private void clear() {
        sd.clearPlaceholders(true);
        sd.clearOpInputs();
        SameDiff grad = sd.getFunction("grad");
        grad.clearPlaceholders(true);
        grad.clearOpInputs();
    }

    /**
     * This thread's session of {@code s}, created with a memory manager that closes each array the session
     * releases (SameDiff's own manager with its cache off) instead of the default cache of released arrays.
     */
    private static void useFreeingSession(SameDiff s) {
        s.getSessions().computeIfAbsent(Thread.currentThread().getId(), id -> {
            InferenceSession session = SameDiff.getInferenceFactory().create(s);
            ArrayCacheMemoryMgr mmgr = new ArrayCacheMemoryMgr();
            mmgr.setEnableCache(false);
            session.setMmgr(mmgr);
            return session;
        });
    }
}
