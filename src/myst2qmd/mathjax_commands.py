"""TeX commands MathJax 3 knows out of the box (with the ams, boldsymbol, mathtools-lite,
color, cancel, newcommand and textmacros packages Quarto loads). A command in a document's
math that is neither here nor in the user's macros is reported as undefined."""

_NAMES = """
    alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa varkappa lambda mu
    nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega Gamma Delta
    Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega varGamma varDelta varTheta varLambda varXi varPi
    varSigma varUpsilon varPhi varPsi varOmega digamma aleph beth gimel daleth hbar hslash imath jmath
    ell wp Re Im partial infty nabla emptyset varnothing forall exists nexists neg lnot top bot angle
    measuredangle sphericalangle triangle square blacksquare lozenge blacklozenge bigstar prime backprime
    complement eth mho Finv Game surd flat natural sharp clubsuit diamondsuit heartsuit spadesuit
    sum prod coprod int iint iiint iiiint oint bigcap bigcup bigsqcup bigvee bigwedge bigodot bigotimes
    bigoplus biguplus pm mp times div cdot ast star circ bullet cap cup uplus sqcap sqcup vee wedge lor
    land setminus smallsetminus wr diamond bigtriangleup bigtriangledown triangleleft triangleright oplus
    ominus otimes oslash odot bigcirc dagger ddagger amalg dotplus centerdot ltimes rtimes leftthreetimes
    rightthreetimes curlyvee curlywedge circleddash circledast circledcirc boxminus boxplus boxtimes
    boxdot intercal barwedge doublebarwedge Cap Cup divideontimes
    leq le geq ge neq ne equiv sim simeq approx cong propto prec succ preceq succeq ll gg subset supset
    subseteq supseteq sqsubset sqsupset sqsubseteq sqsupseteq in ni notin owns vdash dashv models perp
    mid parallel bowtie Join smile frown asymp doteq leqq geqq leqslant geqslant lesssim gtrsim lessapprox
    gtrapprox approxeq lessgtr gtrless lesseqgtr gtreqless ll lll ggg nless ngtr nleq ngeq lneq gneq
    lneqq gneqq nsubseteq nsupseteq subsetneq supsetneq subseteqq supseteqq nmid nparallel ncong nsim
    thicksim thickapprox backsim backsimeq eqsim triangleq coloneqq eqqcolon vartriangleleft
    vartriangleright trianglelefteq trianglerighteq therefore because varpropto between pitchfork
    leftarrow gets rightarrow to uparrow downarrow leftrightarrow updownarrow Leftarrow Rightarrow
    Uparrow Downarrow Leftrightarrow Updownarrow longleftarrow longrightarrow longleftrightarrow
    Longleftarrow Longrightarrow Longleftrightarrow iff implies impliedby mapsto longmapsto
    hookleftarrow hookrightarrow leftharpoonup leftharpoondown rightharpoonup rightharpoondown
    rightleftharpoons leftrightharpoons nearrow searrow swarrow nwarrow leadsto rightsquigarrow
    leftrightarrows rightleftarrows twoheadrightarrow twoheadleftarrow circlearrowleft circlearrowright
    curvearrowleft curvearrowright upuparrows downdownarrows xrightarrow xleftarrow nrightarrow
    nleftarrow nRightarrow nLeftarrow nleftrightarrow nLeftrightarrow restriction
    ldots cdots vdots ddots dots dotsc dotsb dotsm dotsi dotso colon quad qquad enspace thinspace
    negthinspace space nobreakspace
    frac dfrac tfrac cfrac binom dbinom tbinom sqrt root overline underline widehat widetilde hat
    tilde bar vec dot ddot dddot ddddot acute grave breve check mathring overbrace underbrace
    overleftarrow overrightarrow overleftrightarrow underleftarrow underrightarrow
    underleftrightarrow overset underset stackrel atop choose over above brace brack
    left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr Biggl Biggr bigm Bigm
    biggm Biggm langle rangle lceil rceil lfloor rfloor lvert rvert lVert rVert vert Vert
    lbrace rbrace lbrack rbrack backslash ulcorner urcorner llcorner lrcorner lgroup rgroup
    lmoustache rmoustache
    sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth exp log ln lg lim liminf limsup
    max min sup inf arg det dim gcd hom ker Pr deg injlim projlim varlimsup varliminf varinjlim
    varprojlim mod bmod pmod pod operatorname operatornamewithlimits DeclareMathOperator
    mathrm mathbf mathit mathsf mathtt mathcal mathbb mathfrak mathscr mathbfit boldsymbol bm
    pmb mathnormal rm bf it sf tt cal frak scr Bbb textrm textbf textit textsf texttt text
    mbox hbox textnormal emph textup textsl textmd
    displaystyle textstyle scriptstyle scriptscriptstyle tiny scriptsize footnotesize small
    normalsize large Large LARGE huge Huge limits nolimits
    begin end label ref eqref tag notag nonumber hline cline hdashline newline cr
    color textcolor colorbox fcolorbox definecolor cancel bcancel xcancel cancelto
    boxed fbox phantom hphantom vphantom smash mathstrut strut hspace vspace kern mkern mskip
    hskip mspace mathchoice mathop mathbin mathrel mathopen mathclose mathpunct mathinner mathord
    substack sideset not neq newcommand renewcommand def let require unicode class cssId style
    href mmlToken bbox enclose mathclap mathllap mathrlap clap llap rlap
    lt gt ne dagger S P copyright pounds yen checkmark maltese circledR circledS diagup
    diagdown varkappa Box Diamond intop ointop smallint iff lbrace rbrace vee
    shortmid shortparallel nshortmid nshortparallel gvertneqq lvertneqq lesseqqgtr gtreqqless
    llcorner lrcorner unlhd unrhd lhd rhd
    underbracket overbracket xLeftarrow xRightarrow xleftrightarrow xLeftrightarrow
    xhookleftarrow xhookrightarrow xmapsto shoveleft shoveright
    """
KNOWN = frozenset(_NAMES.split())
