// Run by OmegaT itself (--script): writes the project-specific segmentation rules the README
// gives (OmegaT's defaults plus two English exceptions: dotted initials such as "U.S.", and
// month abbreviations) into PROJECT/omegat/segmentation.conf. The next run of OmegaT on the
// project segments with them.
import org.omegat.core.Core
import org.omegat.core.segmentation.Rule
import org.omegat.core.segmentation.SRX

def srx = SRX.getDefault()
def english = srx.getMappingRules().find { it.getPattern() == "EN.*" }
english.getRules().add(0, new Rule(false, "\\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\\.", "\\s"))
english.getRules().add(0, new Rule(false, "\\b(?:[A-Z]\\.){2,}", "\\s"))
def dir = new File(Core.getProject().getProjectProperties().getProjectRoot(), "omegat")
SRX.saveTo(srx, new File(dir, "segmentation.conf"))
System.out.println("termalign-segmentation " + new File(dir, "segmentation.conf").isFile())
