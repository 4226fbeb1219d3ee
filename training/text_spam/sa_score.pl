#!/usr/bin/perl
# Scores message files with SpamAssassin's stock rules, local tests only (no network, no Bayes,
# no auto-whitelist). Prints "<file>\t<score>" per file. Usage: sa_score.pl FILE...
use strict;
use warnings;
use Mail::SpamAssassin;
my $home = $ENV{SA_HOME} || '/tmp/iw-sa-home';
mkdir $home;
my $sa = Mail::SpamAssassin->new({
  local_tests_only => 1, dont_copy_prefs => 1, home_dir_for_helpers => $home,
  userprefs_filename => '/dev/null', userstate_dir => $home,
  post_config_text => "use_bayes 0\nuse_auto_whitelist 0\nskip_rbl_checks 1\n",
});
$sa->init(1);
for my $f (@ARGV) {
  open(my $fh, '<', $f) or die "$f: $!";
  local $/;
  my $raw = <$fh>;
  close $fh;
  my $msg = $sa->parse($raw);
  my $status = $sa->check($msg);
  printf "%s\t%.3f\n", $f, $status->get_score();
  $status->finish();
  $msg->finish();
}
