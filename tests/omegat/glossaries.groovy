// Run by OmegaT itself (--script): loads every file of the project's glossary folder with
// OmegaT's own readers (TBX, TSV) and counts, for each source segment, the glossary lines its
// glossary pane would show: entries whose source-term tokens all occur in the segment (the
// glossary matching of FindGlossaryThread: tokens stemmed, partial matches allowed), merged
// per source term as the pane merges them. One "termalign-glossary" line per file on stdout.
import org.omegat.core.Core
import org.omegat.gui.glossary.FindGlossaryThread
import org.omegat.gui.glossary.GlossaryReaderTBX
import org.omegat.gui.glossary.GlossaryReaderTSV
import org.omegat.tokenizer.DefaultTokenizer
import org.omegat.tokenizer.ITokenizer

def project = Core.getProject()
def locale = project.getProjectProperties().getSourceLanguage().getLocale()
def tok = project.getSourceTokenizer()
def words = { String s -> tok.tokenizeWords(s.toLowerCase(locale), ITokenizer.StemmingMode.GLOSSARY) }
def segments = project.getAllEntries().collect { words(it.getSrcText()) }
def dir = new File(project.getProjectProperties().getGlossaryRoot())
dir.listFiles().findAll { it.isFile() }.sort { it.name }.each { f ->
    def entries = f.name.toLowerCase().endsWith(".tbx") ? GlossaryReaderTBX.read(f, false) : GlossaryReaderTSV.read(f, false)
    def terms = entries.collect { [it, words(it.getSrcText())] }
    def lines = segments.collect { seg ->
        def hits = terms.findAll { e, t -> t.length > 0 && DefaultTokenizer.isContainsAll(seg, t, true) }.collect { it[0] }
        FindGlossaryThread.sortGlossaryEntries(hits)
        FindGlossaryThread.filterGlossary(hits).size()
    }
    def total = lines.sum() ?: 0
    System.out.println("termalign-glossary file=" + f.name + " entries=" + entries.size() + " segments=" + segments.size()
        + " lines=" + total + " max=" + (lines.max() ?: 0))
}
